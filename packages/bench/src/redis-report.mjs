// Rows and notes of the redis scenario (redis-scenario.mjs).
export function redisRows() {
  return [];
}
export function redisNotes() {
  return [];
}
