// Which sale each counter's screen holds, and who is signed in at it (issue 14: one customer at a time).
//
// The pointer lives in memory on purpose: a restart or a sign-out forgets it, so a sale left open then (perhaps
// with someone's insurance identity and prescription on it) is never handed to the next scan. The counter page
// lists such sales and the cashier resumes or voids each one explicitly; until then a scanner read at that
// counter is refused instead of joining it.

export interface Attendant {
  /** The signed-in user's name (recorded as the sale's cashier). */
  name: string;
  /** The session that signed in at this counter; its sign-out clears the counter. */
  sessionId?: string | undefined;
}

export class CounterSales {
  private readonly onScreen = new Map<string, number>();
  private readonly attendants = new Map<string, Attendant>();

  /** The sale on the counter's screen, if any (the caller checks it is still open). */
  active(counter: string): number | undefined {
    return this.onScreen.get(counter);
  }

  show(counter: string, saleId: number): void {
    this.onScreen.set(counter, saleId);
  }

  /** Forget a sale wherever it is shown (voided, settled elsewhere, ...). */
  forget(saleId: number): void {
    for (const [counter, id] of this.onScreen) if (id === saleId) this.onScreen.delete(counter);
  }

  attend(counter: string, who: Attendant): void {
    this.attendants.set(counter, who);
  }

  attendant(counter: string): Attendant | undefined {
    return this.attendants.get(counter);
  }

  /**
   * A session signed out: the counters it attended lose their attendant and their sale on screen, so the next
   * person at the counter starts from a clean screen (the sale itself stays open, listed to resume or void).
   */
  leave(sessionId: string): string[] {
    const left: string[] = [];
    for (const [counter, who] of this.attendants) {
      if (who.sessionId !== sessionId) continue;
      this.attendants.delete(counter);
      this.onScreen.delete(counter);
      left.push(counter);
    }
    return left;
  }
}
