/** What an app must offer to be served in process: Fastify's `listen` and `close`. */
export interface Listenable {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<unknown>;
}

export interface InProcess<A> {
  app: A;
  /** http://127.0.0.1:<port> */
  http: string;
  /** ws://127.0.0.1:<port> */
  ws: string;
  /** Closes the app, then each of `closeAfter` in order; a second call does nothing. */
  close(): Promise<void>;
}

/**
 * Serves an app that the caller built on a real socket (port 0). The app comes in
 * built, so this kit never imports an app and turbo's graph stays acyclic.
 */
export async function listenInProcess<A extends Listenable>(
  app: A,
  closeAfter: Array<{ close(): unknown }> = [],
): Promise<InProcess<A>> {
  const http = await app.listen({ port: 0, host: '127.0.0.1' });
  let closed = false;
  return {
    app,
    http,
    ws: http.replace(/^http/, 'ws'),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      for (const other of closeAfter) await other.close();
    },
  };
}

/** The metric registry's shape as prom-client has it (structural, so no server-kit dependency). */
export interface MetricsLike {
  registry: { getMetricsAsJSON(): Promise<Array<{ name: string; values: Array<{ value: number }> }>> };
}

/** The sum of a metric's samples over all label sets (0 when it has none yet). */
export async function metricValue(metrics: MetricsLike, name: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}
