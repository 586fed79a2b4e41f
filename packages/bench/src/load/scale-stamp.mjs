// Stamps that several processes can compare: wall-clock ms with sub-ms resolution
// (performance.timeOrigin + now()), since the publisher and the subscribers are
// different processes. The phase letter and MARK are as in common.mjs.
import { performance } from 'node:perf_hooks';
import { MARK } from './common.mjs';

export const epochMs = () => performance.timeOrigin + performance.now();
export const epochStamp = (phase) => `${phase}${MARK}${epochMs().toFixed(3)}${MARK}`;
