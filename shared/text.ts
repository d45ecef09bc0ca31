/** A value read from an item or an event as text: a non-empty string, or undefined for anything else. */
export function nonEmptyText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
