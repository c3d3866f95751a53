/**
 * The BLAKE2b compression function F (RFC 7693 §3.2) with a caller-chosen number of rounds, as the
 * BLAKE2F precompile (EIP-152) needs it, compiled to WebAssembly. WebAssembly has 64-bit integer
 * adds, xors and rotations; JavaScript emulates each with 32-bit halves, which makes @ethereumjs's
 * implementation (blakejs's) run at ~1.7 M rounds/s here, ~1.7 Mgas/s for a BLAKE2F-heavy block.
 *
 * The module is small enough to emit here, instruction by instruction (no toolchain, no binary in
 * the repository): one function `compress(rounds, final)` over one page of memory holding
 * h (bytes 0–63), m (64–191), t (192–207) as little-endian words, and the message schedule SIGMA
 * (256–415) as byte offsets into m. A test holds it to @ethereumjs's F on EIP-152's vectors and
 * random inputs.
 */

const IV = [
  0x6a09e667f3bcc908n,
  0xbb67ae8584caa73bn,
  0x3c6ef372fe94f82bn,
  0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n,
  0x9b05688c2b3e6c1fn,
  0x1f83d9abfb41bd6bn,
  0x5be0cd19137e2179n,
];

// prettier-ignore
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

export const H_OFFSET = 0;
export const M_OFFSET = 64;
export const T_OFFSET = 192;
const SIGMA_OFFSET = 256;

const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load8u: 0x2d,
  i64Load: 0x29,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32RemU: 0x70,
  i64Add: 0x7c,
  i64Xor: 0x85,
  i64Rotr: 0x8a,
  void: 0x40,
  i32: 0x7f,
  i64: 0x7e,
} as const;

function unsigned(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
}

function signed(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

const vector = (items: number[][]): number[] => [...unsigned(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...unsigned(body.length), ...body];
const name = (text: string): number[] => [...unsigned(text.length), ...Buffer.from(text)];

// Locals: 0 rounds, 1 final (parameters), 2–17 v0–v15, 18 the round, 19 SIGMA's row for it.
const V = (i: number) => 2 + i;
const ROUND = 18;
const ROW = 19;

const get = (local: number) => [op.localGet, local];
const set = (local: number) => [op.localSet, local];

/** i64.load of m[SIGMA[row][index]]: the row's byte is the word's offset in m. */
const messageWord = (index: number) => [
  ...get(ROW),
  op.i32Load8u,
  0,
  ...unsigned(index),
  op.i64Load,
  3,
  ...unsigned(M_OFFSET),
];
const rotateXor = (target: number, other: number, by: number) => [
  ...get(target),
  ...get(other),
  op.i64Xor,
  op.i64Const,
  ...signed(BigInt(by)),
  op.i64Rotr,
  ...set(target),
];
const addInto = (target: number, other: number, extra: number[] = []) => [
  ...get(target),
  ...get(other),
  op.i64Add,
  ...(extra.length > 0 ? [...extra, op.i64Add] : []),
  ...set(target),
];

/** The G mixing function on v[a], v[b], v[c], v[d] with message words SIGMA[row][x], SIGMA[row][y]. */
function mix(a: number, b: number, c: number, d: number, x: number, y: number): number[] {
  const [va, vb, vc, vd] = [V(a), V(b), V(c), V(d)];
  return [
    ...addInto(va, vb, messageWord(x)),
    ...rotateXor(vd, va, 32),
    ...addInto(vc, vd),
    ...rotateXor(vb, vc, 24),
    ...addInto(va, vb, messageWord(y)),
    ...rotateXor(vd, va, 16),
    ...addInto(vc, vd),
    ...rotateXor(vb, vc, 63),
  ];
}

function compressBody(): number[] {
  const code: number[] = [];
  for (let i = 0; i < 8; i++)
    code.push(op.i32Const, 0, op.i64Load, 3, ...unsigned(H_OFFSET + 8 * i), ...set(V(i)));
  for (let i = 0; i < 8; i++) code.push(op.i64Const, ...signed(IV[i]!), ...set(V(8 + i)));
  for (const [word, local] of [
    [0, V(12)],
    [1, V(13)],
  ] as const) {
    code.push(
      ...get(local),
      op.i32Const,
      0,
      op.i64Load,
      3,
      ...unsigned(T_OFFSET + 8 * word),
      op.i64Xor,
      ...set(local),
    );
  }
  code.push(
    ...get(1),
    op.if,
    op.void,
    ...get(V(14)),
    op.i64Const,
    ...signed(-1n),
    op.i64Xor,
    ...set(V(14)),
    op.end,
  );
  code.push(op.block, op.void, op.loop, op.void);
  code.push(...get(ROUND), ...get(0), op.i32GeU, op.brIf, 1);
  code.push(
    ...[op.i32Const, ...unsigned(SIGMA_OFFSET)],
    ...get(ROUND),
    ...[op.i32Const, 10, op.i32RemU, op.i32Const, 16, op.i32Mul, op.i32Add],
    ...set(ROW),
  );
  code.push(
    ...mix(0, 4, 8, 12, 0, 1),
    ...mix(1, 5, 9, 13, 2, 3),
    ...mix(2, 6, 10, 14, 4, 5),
    ...mix(3, 7, 11, 15, 6, 7),
    ...mix(0, 5, 10, 15, 8, 9),
    ...mix(1, 6, 11, 12, 10, 11),
    ...mix(2, 7, 8, 13, 12, 13),
    ...mix(3, 4, 9, 14, 14, 15),
  );
  code.push(...get(ROUND), op.i32Const, 1, op.i32Add, ...set(ROUND), op.br, 0, op.end, op.end);
  for (let i = 0; i < 8; i++) {
    const offset = unsigned(H_OFFSET + 8 * i);
    code.push(op.i32Const, 0);
    code.push(op.i32Const, 0, op.i64Load, 3, ...offset, ...get(V(i)), op.i64Xor, ...get(V(8 + i)), op.i64Xor);
    code.push(op.i64Store, 3, ...offset);
  }
  code.push(op.end);
  const locals = vector([
    [16, op.i64],
    [2, op.i32],
  ]);
  return [...locals, ...code];
}

function moduleBytes(): Uint8Array {
  const body = compressBody();
  const sigma = SIGMA.flat().map((index) => index * 8);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...vector([[op.i32], [op.i32]]), 0]])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, 1]])),
    ...section(
      7,
      vector([
        [...name("compress"), 0x00, 0],
        [...name("memory"), 0x02, 0],
      ]),
    ),
    ...section(10, vector([[...unsigned(body.length), ...body]])),
    ...section(
      11,
      vector([[0x00, op.i32Const, ...unsigned(SIGMA_OFFSET), op.end, ...vector(sigma.map((b) => [b]))]]),
    ),
  ]);
}

interface Blake2fExports {
  readonly compress: (rounds: number, final: number) => void;
  readonly memory: { readonly buffer: ArrayBuffer };
}

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
const exports = new wasm.Instance(new wasm.Module(moduleBytes())).exports as Blake2fExports;
const memory = new Uint8Array(exports.memory.buffer);

/**
 * F(h, m, t, f) with `rounds` rounds, on EIP-152's encodings: h 64 bytes, m 128, t 16 (little-endian
 * words, as the precompile's input carries them). Returns the new h (64 bytes). Synchronous, so
 * the one instance is never used by two calls at once.
 */
export function blake2fCompress(
  rounds: number,
  h: Uint8Array,
  m: Uint8Array,
  t: Uint8Array,
  final: boolean,
): Uint8Array {
  memory.set(h, H_OFFSET);
  memory.set(m, M_OFFSET);
  memory.set(t, T_OFFSET);
  exports.compress(rounds, final ? 1 : 0);
  return memory.slice(H_OFFSET, H_OFFSET + 64);
}
