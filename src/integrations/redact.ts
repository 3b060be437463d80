/**
 * Text from outside (git's stderr, an API's error message) may echo a
 * credential: a token, or a remote URL with user:password in it. Everything
 * such text passes through here before readme-gen prints it.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('***');
  return result;
}
