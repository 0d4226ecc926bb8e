/**
 * The messages one thread sends another during an event-loop turn, posted as one array when the
 * turn ends. Each postMessage to an idle thread costs a wake-up (an eventfd write and an epoll
 * return on the other side); under load the requests of one turn then cross in one message each
 * way instead of one or more per request.
 */
export class Outbox<T> {
  private messages: T[] = []
  private transfer: ArrayBuffer[] = []
  private scheduled = false

  constructor(private readonly send: (messages: T[], transfer: ArrayBuffer[]) => void) {}

  /** Whether messages wait to be sent. */
  get pending(): boolean {
    return this.messages.length > 0
  }

  push(message: T, transfer?: readonly ArrayBuffer[]): void {
    this.messages.push(message)
    // One buffer listed twice would make the whole batch fail to post.
    if (transfer) for (const b of transfer) if (!this.transfer.includes(b)) this.transfer.push(b)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.flush)
  }

  /** Sends what waits now (also called ahead of the turn's end, before work that may take long). */
  readonly flush = (): void => {
    this.scheduled = false
    if (this.messages.length === 0) return
    const { messages, transfer } = this
    this.messages = []
    this.transfer = []
    this.send(messages, transfer)
  }
}
