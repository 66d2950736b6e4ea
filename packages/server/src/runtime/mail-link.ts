/**
 * Where a link of `purpose` points: the page at `/`, the secret in the
 * fragment, which keeps it out of server logs and `Referer`.
 *
 * @example
 * linkTo('https://auth.example.com', 'invitation', secret); // 'https://auth.example.com/#invitation=jge1_…'
 */
export function linkTo(publicUrl: string, purpose: string, token: string): string {
  return `${publicUrl}/#${purpose}=${token}`;
}
