/**
 * Equal strings, in a time that depends on their length only, so that timing says nothing about
 * how much of one matches the other. A loop over the characters: timingSafeEqual needs two
 * Buffers decoded per call, several times the cost for a token or a hash.
 */
export function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
