// A latency histogram that merges exactly: each load process counts its samples into the
// same log-spaced buckets, the coordinator adds the counts, and percentiles come from the
// merged counts (averaging per-process percentiles would be wrong). Buckets are 1% wide,
// so a percentile is within 1% of the exact sample.

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Smallest value told apart from zero (ms): 1 µs. Below it everything shares bucket 0. */
const FLOOR_MS = 0.001;

const bucketOf = (ms) => (ms <= FLOOR_MS ? 0 : 1 + Math.floor(Math.log(ms / FLOOR_MS) / LOG_GROWTH));
/** The upper edge of a bucket: the percentile reported never understates a sample. */
const upperEdge = (bucket) => (bucket === 0 ? FLOOR_MS : FLOOR_MS * GROWTH ** bucket);

export class LogHistogram {
  constructor() {
    this.counts = new Map();
    this.count = 0;
    this.max = 0;
  }

  add(ms) {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const bucket = bucketOf(value);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count++;
    if (value > this.max) this.max = value;
  }

  merge(other) {
    for (const [bucket, n] of other.counts) this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
    return this;
  }

  /** The p-th percentile (0-100) in ms, null when empty; the exact maximum for p = 100. */
  percentile(p) {
    if (this.count === 0) return null;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket);
      if (seen >= rank) return Math.min(upperEdge(bucket), this.max);
    }
    return this.max;
  }

  toJSON() {
    return { counts: [...this.counts], count: this.count, max: this.max };
  }

  static fromJSON(json) {
    const histogram = new LogHistogram();
    for (const [bucket, n] of json.counts) histogram.counts.set(bucket, n);
    histogram.count = json.count;
    histogram.max = json.max;
    return histogram;
  }
}
