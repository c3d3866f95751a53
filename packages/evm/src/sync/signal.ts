// The slots of a synchronous request's shared signal. Imports nothing: the helper thread loads it
// before its handler, whose failure to load it must still be able to report.

/** Set to 1 and notified once the helper has posted its answer. */
export const DONE = 0;
/** The blocks of the range proven so far: the blocked caller's sign that the helper progresses. */
export const BLOCKS_DONE = 1;
/** Bytes of the `SharedArrayBuffer` behind the signal's `Int32Array`. */
export const SIGNAL_BYTES = 8;
