/**
 * A task's dependency graph as SVG: the task on top, what it depends on in the layers below (a node
 * sits one layer under the deepest task that needs it, so every edge points down), nodes in a layer
 * ordered by kind and context. Enough for the trees proof types build (a checkpoint over its CL and
 * EL ranges); no layout library needed.
 */
import { describeContext, statusLabel } from "./format.js";
import { href } from "./router.js";
import type { TaskGraph } from "./types.js";

const NODE_W = 170;
const NODE_H = 48;
const GAP_X = 24;
const GAP_Y = 44;
const PAD = 8;

function layers(graph: TaskGraph): string[][] {
  const dependencies = new Map<string, string[]>();
  for (const edge of graph.edges)
    dependencies.set(edge.from, [...(dependencies.get(edge.from) ?? []), edge.to]);
  const depth = new Map<string, number>([[graph.root, 0]]);
  // Longest path from the root; the graph is acyclic, so a node's depth only grows a bounded number of times.
  const queue = [graph.root];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const next of dependencies.get(id) ?? []) {
      const d = depth.get(id)! + 1;
      if ((depth.get(next) ?? -1) < d) {
        depth.set(next, d);
        queue.push(next);
      }
    }
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const rows: string[][] = [];
  for (const node of graph.nodes) {
    const d = depth.get(node.id) ?? 0;
    const row = rows[d] ?? [];
    row.push(node.id);
    rows[d] = row;
  }
  const label = (id: string) => {
    const n = byId.get(id)!;
    return `${n.kind} ${describeContext(n.context)}`;
  };
  return rows.map((row) =>
    row.sort((a, b) => label(a).localeCompare(label(b), undefined, { numeric: true })),
  );
}

export function DependencyGraph({ graph }: { readonly graph: TaskGraph }) {
  const rows = layers(graph);
  const widest = Math.max(...rows.map((r) => r.length));
  const width = widest * NODE_W + (widest - 1) * GAP_X + 2 * PAD;
  const height = rows.length * NODE_H + (rows.length - 1) * GAP_Y + 2 * PAD;
  const at = new Map<string, { x: number; y: number }>();
  rows.forEach((row, d) => {
    const rowWidth = row.length * NODE_W + (row.length - 1) * GAP_X;
    const left = (width - rowWidth) / 2;
    row.forEach((id, i) => {
      at.set(id, { x: left + i * (NODE_W + GAP_X), y: PAD + d * (NODE_H + GAP_Y) });
    });
  });
  return (
    <svg
      class="graph"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label="dependency graph"
    >
      <title>What this task depends on</title>
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" class="graph-arrow" />
        </marker>
      </defs>
      {graph.edges.map((edge) => {
        const from = at.get(edge.from);
        const to = at.get(edge.to);
        if (!from || !to) return null;
        return (
          <line
            key={`${edge.from}-${edge.to}`}
            class="graph-edge"
            x1={from.x + NODE_W / 2}
            y1={from.y + NODE_H}
            x2={to.x + NODE_W / 2}
            y2={to.y}
            marker-end="url(#arrow)"
          />
        );
      })}
      {graph.nodes.map((node) => {
        const p = at.get(node.id)!;
        return (
          <a key={node.id} href={href(`/tasks/${node.id}`)} class="graph-node-link">
            <g class={`graph-node status-${node.status}${node.id === graph.root ? " graph-root" : ""}`}>
              <title>{`${node.kind} ${describeContext(node.context)}: ${statusLabel(node.status)}${node.error ? ` (${node.error})` : ""}`}</title>
              <rect x={p.x} y={p.y} width={NODE_W} height={NODE_H} rx="6" />
              <text x={p.x + 8} y={p.y + 19} class="graph-kind">
                {`${node.kind} ${describeContext(node.context)}`.slice(0, 24)}
              </text>
              <text x={p.x + 8} y={p.y + 37} class="graph-status">
                {statusLabel(node.status)}
              </text>
            </g>
          </a>
        );
      })}
    </svg>
  );
}
