// POST /publish over a small keep-alive pool, for every SSE scenario (Herald and the
// baselines take the same body and answer 202).
import http from 'node:http';

/** A publisher on `cfg.port` with `cfg.publishConcurrency` sockets; `publish` resolves with the 202's body, rejects on anything else. */
export function publisher(cfg) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.publishConcurrency });
  let failures = 0;
  function publish(topic, data) {
    const body = JSON.stringify({ topic, data });
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: cfg.port,
          path: '/publish',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (part) => (text += part));
          res.on('end', () => {
            if (res.statusCode === 202) resolve(text);
            else reject(new Error(`POST /publish answered ${res.statusCode}: ${text.slice(0, 200)}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    }).catch((error) => {
      failures++;
      throw error;
    });
  }
  return { publish, failures: () => failures, close: () => agent.destroy() };
}
