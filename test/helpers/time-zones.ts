/**
 * An `Etc/GMT±N` zone where it is about 11:00 now, so a 06:00–22:00 van shift has hours left
 * whatever the hour the tests run (`Etc/GMT-N` is N hours *ahead* of UTC: POSIX signs).
 */
export function midMorningZone(now: Date = new Date()): string {
  const offset = 11 - now.getUTCHours(); // −12 … +11
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
