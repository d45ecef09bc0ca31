/** A control API input the sandbox cannot act on: HTTP 400 with its message. */
export class ControlInputError extends Error {
  override readonly name: string = 'ControlInputError';
}
