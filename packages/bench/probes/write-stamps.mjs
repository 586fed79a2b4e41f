// Preload for a server under p99-split.mjs (probe only): at every socket write, records
// now - send time of each `L@@<ms>@@` stamp in the written Buffer (both clocks are
// performance.timeOrigin + performance.now()). SIGUSR1 starts, SIGUSR2 writes the samples.
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const now = () => performance.timeOrigin + performance.now();
const samples = new Float64Array(2_000_000); let count = 0; let on = false;
const MARK = Buffer.from('L@@');
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (chunk, ...rest) {
  if (on && Buffer.isBuffer(chunk)) {
    let at = chunk.indexOf(MARK);
    if (at !== -1) { const t = now(); while (at !== -1) { const end = chunk.indexOf('@@', at + 3); samples[count++] = t - Number(chunk.toString('latin1', at + 3, end)); at = chunk.indexOf(MARK, end + 2); } }
  }
  return write.call(this, chunk, ...rest);
};
process.on('SIGUSR1', () => { count = 0; on = true; });
process.on('SIGUSR2', () => { on = false; const file = path.join(os.tmpdir(), `write-stamps-${process.pid}.json`); fs.writeFileSync(`${file}.tmp`, JSON.stringify(Array.from(samples.subarray(0, count)))); fs.renameSync(`${file}.tmp`, file); });
