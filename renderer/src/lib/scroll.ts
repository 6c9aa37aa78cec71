/** A log follows new lines only while the reader is at its bottom; scrolling up to read stops it. */
export function isNearBottom(scrollTop: number, clientHeight: number, scrollHeight: number, slack = 24): boolean {
  return scrollHeight - (scrollTop + clientHeight) <= slack;
}
