/**
 * PyVRP's `DurationSegment`: a stretch of a route summarised so that two stretches concatenate in
 * O(1). `duration` includes waiting; `timeWarp` is the lateness the stretch cannot avoid;
 * service may begin the stretch in [earliestStart, latestStart] without adding waiting or time
 * warp. Single-window jobs make this exact; a job with several windows is given the hull of its
 * windows (a relaxation), and the search confirms such routes with `scheduleRoute`.
 */
export class DurationSegment {
  constructor(
    readonly duration: number,
    readonly timeWarp: number,
    readonly earliestStart: number,
    readonly latestStart: number,
  ) {}

  /** This stretch, then `travel` time units, then `next`. */
  followedBy(travel: number, next: DurationSegment): DurationSegment {
    const atNext = this.duration - this.timeWarp + travel;
    const wait = Math.max(next.earliestStart - atNext - this.latestStart, 0);
    const warp = Math.max(this.earliestStart + atNext - next.latestStart, 0);
    return new DurationSegment(
      this.duration + next.duration + travel + wait,
      this.timeWarp + next.timeWarp + warp,
      Math.max(next.earliestStart - atNext, this.earliestStart) - wait,
      Math.min(next.latestStart - atNext, this.latestStart) + warp,
    );
  }
}
