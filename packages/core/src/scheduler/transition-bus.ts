import type { TaskTransition } from "../contracts/status.js";

type Listener = (transition: TaskTransition) => void;

/** Fans committed transitions out to listeners; a listener that throws cannot stall the scheduler. */
export class TransitionBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(transition: TaskTransition): void {
    for (const listener of this.listeners) {
      try {
        listener(transition);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
