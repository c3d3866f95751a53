/** Small pieces every page uses. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { answerTokenRequest, currentTokenRequest, onTokenRequest } from "./auth.js";
import { shortId, statusLabel } from "./format.js";
import { href } from "./router.js";

/** What an attempt's outcome means, where its one word does not say it. */
const OUTCOME_MEANING: Readonly<Record<string, string>> = {
  outdated:
    "its proof was found outdated (the chain was reorganised): the proof was dropped, and the task is proven again",
  stale_dependencies: "a proof it depends on was stale: that one is proven again, and this task waits for it",
};

export function StatusBadge({ status }: { readonly status: string }) {
  return (
    <span class={`badge status-${status}`} title={OUTCOME_MEANING[status]}>
      {statusLabel(status)}
    </span>
  );
}

export function TaskLink({ id }: { readonly id: string }) {
  return (
    <a href={href(`/tasks/${id}`)} class="mono" title={id}>
      {shortId(id)}
    </a>
  );
}

export function Problem({ error }: { readonly error: string | undefined }) {
  return error ? (
    <p class="problem" role="alert">
      {error}
    </p>
  ) : null;
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

/**
 * A button that runs an action and says how it went; with `confirm`, the first click asks in place
 * (a browser dialog would block the page's live updates). The buttons it swaps in and out take the
 * keyboard's focus with them: replaced or disabled, a focused button leaves focus on the page's
 * body, and an operator on the keyboard would have to tab from the top to answer or go on.
 */
export function ActionButton(props: {
  readonly label: string;
  readonly confirm?: string;
  readonly run: () => Promise<string>;
  readonly kind?: "danger";
  readonly disabled?: boolean;
}) {
  const [state, setState] = useState<"idle" | "confirming" | "busy">("idle");
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const box = useRef<HTMLSpanElement>(null);
  const main = useRef<HTMLButtonElement>(null);
  const no = useRef<HTMLButtonElement>(null);
  /** Whether focus was in this action when it left the button: it comes back once the button is usable. */
  const refocus = useRef(false);
  useEffect(() => {
    // Asked, the focus goes to the answer that changes nothing.
    if (state === "confirming") no.current?.focus();
    else if (state === "idle" && refocus.current) {
      refocus.current = false;
      if (document.activeElement === document.body || document.activeElement === null) main.current?.focus();
    }
  }, [state]);
  const leave = (next: "confirming" | "idle" | "busy") => {
    refocus.current ||= box.current?.contains(document.activeElement) ?? false;
    setState(next);
  };
  /** Escape on the question's buttons takes it back, as "No" does. */
  const takeBack = (e: KeyboardEvent) => {
    if (e.key === "Escape") leave("idle");
  };
  const go = async () => {
    leave("busy");
    setOutcome(null);
    try {
      setOutcome({ ok: true, text: await props.run() });
    } catch (error) {
      setOutcome({ ok: false, text: error instanceof Error ? error.message : String(error) });
    } finally {
      setState("idle");
    }
  };
  return (
    <span class="action" ref={box}>
      {state === "confirming" ? (
        <>
          <span>{props.confirm}</span>{" "}
          <button type="button" class={props.kind} onClick={go} onKeyDown={takeBack}>
            Yes, {props.label.toLowerCase()}
          </button>{" "}
          <button type="button" ref={no} onClick={() => leave("idle")} onKeyDown={takeBack}>
            No
          </button>
        </>
      ) : (
        <button
          type="button"
          ref={main}
          class={props.kind}
          disabled={props.disabled || state === "busy"}
          onClick={() => (props.confirm ? leave("confirming") : go())}
        >
          {state === "busy" ? `${props.label}…` : props.label}
        </button>
      )}
      {outcome && (
        <span class={outcome.ok ? "outcome ok" : "outcome problem"} role="status">
          {outcome.text}
        </span>
      )}
    </span>
  );
}

/**
 * Tab from a modal form's last control goes to its first, Shift+Tab from its first to its last:
 * the page's controls under the overlay are hidden from sight, so focus must not go to them.
 */
function keepTabWithin(e: KeyboardEvent): void {
  const form = e.currentTarget as HTMLElement;
  const controls = [...form.querySelectorAll<HTMLElement>("input, button")];
  const first = controls[0];
  const last = controls[controls.length - 1];
  const edge = e.shiftKey ? first : last;
  if (edge === undefined || document.activeElement !== edge) return;
  e.preventDefault();
  (e.shiftKey ? last : first)?.focus();
}

/** The bearer-token form, shown while a refused call waits for it. */
export function TokenDialog() {
  const [request, setRequest] = useState(currentTokenRequest());
  const [token, setToken] = useState("");
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => onTokenRequest(() => setRequest(currentTokenRequest())), []);
  // The form opens because the operator's action needs it: typing goes straight into it.
  useEffect(() => {
    if (request) input.current?.focus();
  }, [request]);
  if (!request) return null;
  return (
    <div class="overlay">
      {/* A modal dialog to a screen reader: it reads the explanation, and not the page behind. */}
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="token-title"
        aria-describedby="token-why"
      >
        <form
          aria-label="bearer token"
          // As any dialog: Escape closes it, as Cancel does, and Tab stays within it.
          onKeyDown={(e) => {
            if (e.key === "Escape") answerTokenRequest(null);
            if (e.key === "Tab") keepTabWithin(e);
          }}
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim()) answerTokenRequest(token.trim());
            setToken("");
          }}
        >
          <h2 id="token-title">Token needed</h2>
          <p id="token-why">
            {request.refused
              ? "The server refused the token this tab has. Enter the right one to go on."
              : "This prover client asks for its bearer token before it changes anything: its rpc.auth_token, or else the first line of rpc-token in its data directory."}{" "}
            It is kept for this tab only.
          </p>
          <label>
            Bearer token
            <input
              type="password"
              name="token"
              autocomplete="off"
              ref={input}
              value={token}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            />
          </label>
          <div class="buttons">
            <button type="submit">Save and go on</button>
            <button type="button" onClick={() => answerTokenRequest(null)}>
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

export function Section({
  title,
  children,
}: {
  readonly title: string;
  readonly children: ComponentChildren;
}) {
  return (
    <section>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
