/** What `propagation/main.js` reports. */
export interface PropagationResult {
  readonly trials: number;
  /** From sending the logout to instance A until instance B first refuses the token, in milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** How long A took to answer the logout itself, median, in milliseconds. */
  readonly logoutP50Ms: number;
  /** Requests B answered 200 after the logout was sent, over all trials. */
  readonly acceptedAfterLogout: number;
}
