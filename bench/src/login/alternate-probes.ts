/** Gap between two probes, so that the probes themselves add little load. */
const PROBE_GAP_MS = 10;

/**
 * Asks a server, one request at a time and a short gap apart until `until`
 * (`performance.now()` time), alternately its guarded route and its health
 * route, recording how long each answer took: what other requests feel
 * during a login flood. `ask` throws if the answer is not the expected one.
 *
 * @example
 * await alternateProbes(until, (guarded) => (guarded ? askMe() : askHealth()), guardedMs, healthMs);
 */
export async function alternateProbes(
  until: number,
  ask: (guarded: boolean) => Promise<void>,
  guardedMs: number[],
  healthMs: number[],
): Promise<void> {
  let guarded = false;
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, PROBE_GAP_MS));
    guarded = !guarded;
    const begun = performance.now();
    await ask(guarded);
    (guarded ? guardedMs : healthMs).push(performance.now() - begun);
  }
}
