/**
 * A Docker token server (distribution docs/content/spec/auth/token.md) for a
 * real docker-registry configured with `auth: token`. A client that gets a
 * 401 `Bearer realm=…,service=…` challenge asks GET <realm>?service=…&scope=…
 * (optionally with Basic credentials) and gets a JWT that the registry checks.
 *
 * What distribution 2.8 checks (registry/auth/token/token.go, accesscontroller.go):
 * `iss` equals its `issuer`, `aud` equals its `service` (a plain string, not an
 * array), `exp`/`nbf` within 60 s of leeway, then the signing key: the header's
 * `x5c` leaf must chain to a certificate in `rootcertbundle` (Go x509 Verify
 * with any extended key usage, so a self-signed certificate that is itself in
 * the bundle passes), and the signature is checked by libtrust, which wants
 * JWS form (ES256 = raw r||s, 64 bytes) and `alg` matching the key's curve.
 * Only without `x5c` (or `jwk`) would `kid` matter, as a libtrust key ID.
 * Finally every access item the request needs must be in the `access` claim.
 */
import { KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createCa } from '../helpers/signing.js';
import { LOOPBACK, closeServer, listenOnLoopback } from './loopback.js';

export interface TokenServerOptions {
  /** name → password; authenticated users may pull, push and delete anything */
  users: Record<string, string>;
  /**
   * Whether anonymous clients get pull. Default true. When false they still
   * get a token, with no access, as Docker Hub answers for a private
   * repository; the registry then answers 401 error="insufficient_scope".
   */
  anonymousPull?: boolean;
  /**
   * identity token → user: docker's `<token>` credentials, exchanged by a POST
   * with grant_type=refresh_token (distribution docs/content/spec/auth/oauth.md)
   */
  refreshTokens?: Record<string, string>;
}

/** One request the token server received. The password is never kept. */
export interface TokenRequest {
  method: string;
  path: string;
  /** query parameters in order; `scope` may repeat */
  query: [string, string][];
  /** whether an Authorization header was sent at all */
  authorization: boolean;
  /** the user named by Basic credentials, right or wrong, or the one a refresh token belongs to */
  user?: string;
  /** a POST's grant_type */
  grantType?: string;
  /** the POSTed form's service and scope */
  form?: [string, string][];
  status: number;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** the token signing certificate, for the registry's rootcertbundle */
  certificatePem: string;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

/** One grant in the JWT `access` claim. */
interface ResourceActions {
  type: string;
  name: string;
  actions: string[];
}

const SERVICE = 'readme-gen-test-registry';
const ISSUER = 'readme-gen-test-token-issuer';
const TOKEN_LIFETIME_SECONDS = 300;
const USER_ACTIONS = ['pull', 'push', 'delete', '*'];

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  // createCa's self-signed P-256 certificate doubles as the token signing
  // certificate: the registry trusts it because it is in rootcertbundle.
  const ca = await createCa('readme-gen test token issuer');
  const signer: JwtSigner = {
    privateKey: KeyObject.from(ca.keys.privateKey),
    x5c: [Buffer.from(ca.certificate.rawData).toString('base64')],
  };
  const requests: TokenRequest[] = [];
  const anonymousActions = options.anonymousPull === false ? [] : ['pull'];
  const policy: TokenPolicy = { users: options.users, refreshTokens: options.refreshTokens ?? {}, anonymousActions, signer };
  const server = createServer((request, response) => {
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => requests.push(handleRefresh(request, Buffer.concat(chunks).toString('utf8'), response, policy)));
      return;
    }
    const record = handleTokenRequest(request, response, policy);
    requests.push(record);
  });
  const port = await listenOnLoopback(server);
  return {
    realm: `http://${LOOPBACK}:${port}/token`,
    service: SERVICE,
    issuer: ISSUER,
    certificatePem: ca.certificate.toString('pem'),
    requests,
    stop: () => closeServer(server),
  };
}

interface JwtSigner {
  privateKey: KeyObject;
  x5c: string[];
}

interface TokenPolicy {
  users: Record<string, string>;
  refreshTokens: Record<string, string>;
  anonymousActions: string[];
  signer: JwtSigner;
}

function handleTokenRequest(request: IncomingMessage, response: ServerResponse, policy: TokenPolicy): TokenRequest {
  const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
  const credentials = basicCredentials(request.headers.authorization);
  const record: TokenRequest = {
    method: request.method ?? '',
    path: url.pathname,
    query: [...url.searchParams.entries()],
    authorization: request.headers.authorization !== undefined,
    status: 0,
  };
  if (credentials) record.user = credentials.user;
  record.status = answer(request.method, url, credentials, policy, response);
  // The request body is never read; drain it so the socket can be reused.
  request.resume();
  return record;
}

/** POST /token, grant_type=refresh_token: an access token for the refresh token's user, in OAuth2's answer form. */
function handleRefresh(request: IncomingMessage, body: string, response: ServerResponse, policy: TokenPolicy): TokenRequest {
  const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
  const form = new URLSearchParams(body);
  const record: TokenRequest = {
    method: 'POST',
    path: url.pathname,
    query: [...url.searchParams.entries()],
    authorization: request.headers.authorization !== undefined,
    grantType: form.get('grant_type') ?? '',
    form: [...form.entries()].filter(([key]) => key === 'service' || key === 'scope'),
    status: 0,
  };
  const user = policy.refreshTokens[form.get('refresh_token') ?? ''];
  if (user !== undefined) record.user = user;
  if (url.pathname !== '/token') record.status = sendJson(response, 404, { details: 'not found' });
  else if (record.grantType !== 'refresh_token') record.status = sendJson(response, 400, { error: 'unsupported_grant_type' });
  else if (form.get('service') !== SERVICE) record.status = sendJson(response, 400, { error: 'invalid_request' });
  else if (user === undefined) record.status = sendJson(response, 401, { error: 'invalid_grant' });
  else {
    const issuedAt = new Date();
    const token = signJwt(policy.signer, claims(user, grant(form.getAll('scope'), USER_ACTIONS), issuedAt));
    record.status = sendJson(response, 200, { access_token: token, expires_in: TOKEN_LIFETIME_SECONDS, scope: form.get('scope') });
  }
  return record;
}

function answer(
  method: string | undefined,
  url: URL,
  credentials: Credentials | undefined,
  policy: TokenPolicy,
  response: ServerResponse,
): number {
  if (url.pathname !== '/token') return sendJson(response, 404, { details: 'not found' });
  if (method !== 'GET') return sendJson(response, 405, { details: 'only GET and POST /token are implemented' });
  if (url.searchParams.get('service') !== SERVICE) return sendJson(response, 400, { details: `service must be ${SERVICE}` });
  if (credentials && policy.users[credentials.user] !== credentials.password) {
    return sendJson(response, 401, { details: 'incorrect username or password' });
  }
  const granted = credentials ? USER_ACTIONS : policy.anonymousActions;
  const access = grant(url.searchParams.getAll('scope'), granted);
  const issuedAt = new Date();
  const token = signJwt(policy.signer, claims(credentials?.user ?? '', access, issuedAt));
  return sendJson(response, 200, { token, access_token: token, expires_in: TOKEN_LIFETIME_SECONDS, issued_at: issuedAt.toISOString() });
}

interface Credentials {
  user: string;
  password: string;
}

function basicCredentials(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Scopes look like `repository:acme/app:pull,push` or `registry:catalog:*`;
 * a repository name has no colon, so type is before the first and actions
 * after the last. Each grant is what was asked intersected with `allowed`.
 */
function grant(scopes: string[], allowed: readonly string[]): ResourceActions[] {
  const access: ResourceActions[] = [];
  for (const scope of scopes.flatMap((value) => value.split(' '))) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last === first) continue;
    const actions = scope
      .slice(last + 1)
      .split(',')
      .filter((action) => allowed.includes(action));
    access.push({ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions });
  }
  return access;
}

function claims(subject: string, access: ResourceActions[], issuedAt: Date): Record<string, unknown> {
  const now = Math.floor(issuedAt.getTime() / 1000);
  return {
    iss: ISSUER,
    sub: subject,
    aud: SERVICE,
    exp: now + TOKEN_LIFETIME_SECONDS,
    nbf: now,
    iat: now,
    jti: randomUUID(),
    access,
  };
}

/** A compact JWS, ES256 over `base64url(header).base64url(claims)`. */
function signJwt(signer: JwtSigner, payload: Record<string, unknown>): string {
  const header = { typ: 'JWT', alg: 'ES256', x5c: signer.x5c };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // JWS wants r||s (IEEE P1363), not node's default DER signature.
  const signature = sign('sha256', Buffer.from(signingInput), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function sendJson(response: ServerResponse, status: number, body: object): number {
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  response.end(bytes);
  return status;
}
