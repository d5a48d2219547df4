// Commerce cards on the picture's clock. HLS viewers see the show seconds late; a pin,
// a deal's start or its sell-out is applied when their picture reaches the event (its
// media_t, i.e. origin + media_t = the event's wall time, against the playing
// segment's EXT-X-PROGRAM-DATE-TIME), not when the socket hears it. WebRTC viewers are
// near real time and get events at once. Buying still checks the server's state.

const ON_PICTURE = new Set(["product.pinned", "product.unpinned", "sale.started", "sale.sold_out"]);
const CHECK_MS = 100;

/** The picture's date at the event's media time. Segment 1's PROGRAM-DATE-TIME is the
 * media origin and media_t = at - origin, so that date is the event's `at`. */
function pictureTime(event) {
  return Date.parse(event.at);
}

export class PictureClock {
  /** `playingDate()` -> Date of the picture now (null unless HLS plays); `apply(event)`
   * applies one event to the page. */
  constructor(playingDate, apply) {
    this.playingDate = playingDate;
    this.apply = apply;
    this.queue = [];
    this.timer = null;
  }

  /** Take `event` if it must wait for the picture; false: apply it now. */
  holds(event) {
    if (event.type === "room.snapshot" || event.type === "room.ended") {
      this.flush();
      return false;
    }
    const picture = this.playingDate();
    if (!ON_PICTURE.has(event.type) || typeof event.media_t !== "number") return false;
    if (picture === null && this.queue.length === 0) return false;
    if (this.queue.length === 0 && picture.getTime() >= pictureTime(event)) return false;
    this.queue.push(event);
    this.timer ??= setInterval(() => this.tick(), CHECK_MS);
    return true;
  }

  tick() {
    const picture = this.playingDate();
    // Back on WebRTC (or HLS stopped): nothing to wait for any more.
    const now = picture === null ? Infinity : picture.getTime();
    while (this.queue.length && now >= pictureTime(this.queue[0])) this.apply(this.queue.shift());
    if (!this.queue.length) this.stop();
  }

  flush() {
    const held = this.queue;
    this.queue = [];
    this.stop();
    for (const event of held) this.apply(event);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }
}
