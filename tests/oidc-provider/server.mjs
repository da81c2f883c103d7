// A real OpenID Provider (panva's oidc-provider, pinned) on 127.0.0.1 for Taskly's sign-in tests
// and the demo. Configured by environment (see README.md); prints one JSON line with the issuer on
// stdout once it listens; exits when its stdin closes or on SIGTERM. Everything else goes to stderr.
import * as crypto from 'node:crypto';
import * as http from 'node:http';

// oidc-provider prints its notices with console.info, which is stdout: stdout carries only the
// one JSON line the parent waits for, so every log line goes to stderr instead.
console.log = console.error;
console.info = console.error;

const { default: Provider } = await import('oidc-provider');

function envSeconds(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${name} must be a whole number of seconds above 0, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const port = Number(process.env.OIDC_PORT || 0);
const accessTokenTtl = envSeconds('OIDC_ACCESS_TOKEN_TTL', 3600);
const refreshTokenTtl = envSeconds('OIDC_REFRESH_TOKEN_TTL', 1209600);
const codeTtl = envSeconds('OIDC_CODE_TTL', 60);
const deviceCodeTtl = envSeconds('OIDC_DEVICE_CODE_TTL', 600);
const deviceInterval = envSeconds('OIDC_DEVICE_INTERVAL', 5);
const proxySecret = process.env.OIDC_PROXY_CLIENT_SECRET || 'taskly-proxy-secret';

// RFC 8628 3.5: after slow_down the interval grows by 5 seconds for that device code.
const SLOW_DOWN_STEP_MS = 5000;
// A poll counts as too early only when it comes this much before the interval is over, so a
// client that waits the interval exactly is never refused for a few milliseconds of jitter.
const POLL_LEEWAY_MS = 100;

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

// The test-kit computes the same values (taskly-testkit's oidc.rs): keep the two in step.
function subOf(login) {
  return `sub-${crypto.createHash('sha256').update(login).digest('hex').slice(0, 16)}`;
}
function emailOf(login) {
  return login.includes('@') ? login : `${login}@example.com`;
}

// The signing key is ours (not oidc-provider's generated one) so a fault can re-sign an ID token
// with the issuer's real key: a client must then refuse it for its claims, not its signature.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: crypto.randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};

const logins = new Map(); // sub → the login name it was made from
const grantsByAccount = new Map(); // sub → Set of grant ids
const polls = new Map(); // device code → { last: ms, intervalMs }
const stats = {
  token: { authorization_code: 0, refresh_token: 0, [DEVICE_GRANT]: 0 },
  token_errors: 0,
  revocation: 0,
  introspection: 0,
};
let idTokenFault; // claims to override in the next ID token the token endpoint hands out

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'taskly-desktop',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      // Native clients' loopback redirects match on any port (RFC 8252 7.3).
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
      response_types: ['code'],
    },
    {
      // The Taskly proxy: it only asks whether a token is active.
      client_id: 'taskly-proxy',
      client_secret: proxySecret,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [],
      grant_types: [],
      response_types: [],
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  async findAccount(_ctx, sub) {
    const login = logins.get(sub);
    if (login === undefined) return undefined;
    return {
      accountId: sub,
      async claims() {
        const email = emailOf(login);
        return { sub, email, email_verified: true, name: email.split('@')[0] };
      },
    };
  },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The app shows who is signed in from the ID token alone.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  // Every refresh hands out a new refresh token; a reused one revokes the grant.
  rotateRefreshToken: true,
  ttl: {
    AccessToken: accessTokenTtl,
    AuthorizationCode: codeTtl,
    RefreshToken: refreshTokenTtl,
    DeviceCode: deviceCodeTtl,
    IdToken: 3600,
    Interaction: 3600,
    Session: 1209600,
    Grant: Math.max(refreshTokenTtl, 1209600),
  },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: {
      enabled: true,
      // A client revokes only its own tokens.
      allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
    },
    introspection: {
      enabled: true,
      // The proxy may ask about any token; a client only about its own.
      allowedPolicy: async (_ctx, client, token) =>
        client.clientId === 'taskly-proxy' || token.clientId === client.clientId,
    },
  },
});

// Dev interactions make the login name the account id; the account id is the `sub`, which must be
// derived from the login (as a real provider's opaque id is), so the result is rewritten here.
const interactionResult = provider.interactionResult.bind(provider);
provider.interactionResult = async (req, res, result, options) => {
  if (result?.login?.accountId !== undefined) {
    const login = String(result.login.accountId);
    const sub = subOf(login);
    logins.set(sub, login);
    result = { ...result, login: { ...result.login, accountId: sub } };
  }
  return interactionResult(req, res, result, options);
};

provider.on('grant.saved', (grant) => {
  if (!grant.accountId) return;
  if (!grantsByAccount.has(grant.accountId)) grantsByAccount.set(grant.accountId, new Set());
  grantsByAccount.get(grant.accountId).add(grant.jti);
});

function base64urlJson(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function resignIdToken(idToken, claims) {
  const [header, payload] = idToken.split('.');
  const protectedHeader = JSON.parse(Buffer.from(header, 'base64url').toString());
  const body = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...claims };
  const input = `${base64urlJson(protectedHeader)}.${base64urlJson(body)}`;
  const signature = crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url');
  return `${input}.${signature}`;
}

provider.use(async (ctx, next) => {
  await next();
  // Set by oidc-provider's router for its own routes only.
  const route = ctx.oidc?.route;
  if (route === 'token') {
    const grantType = ctx.oidc.params?.grant_type;
    if (grantType !== undefined) stats.token[grantType] = (stats.token[grantType] ?? 0) + 1;
    if (ctx.status >= 400) stats.token_errors += 1;
    if (grantType === DEVICE_GRANT) slowDown(ctx);
    if (ctx.status === 200 && idTokenFault && typeof ctx.body?.id_token === 'string') {
      ctx.body = { ...ctx.body, id_token: resignIdToken(ctx.body.id_token, idTokenFault) };
      idTokenFault = undefined;
    }
  } else if (route === 'revocation') {
    stats.revocation += 1;
  } else if (route === 'introspection') {
    stats.introspection += 1;
  } else if (route === 'device_authorization' && ctx.status === 200 && ctx.body?.device_code) {
    // oidc-provider leaves `interval` out (RFC 8628 then means 5 seconds); ours is configurable.
    ctx.body = { ...ctx.body, interval: deviceInterval };
  }
  // The dev pages import a web font: a browser shown them (the real-window test, the demo) must
  // not reach beyond loopback.
  if (ctx.response.is('html') && !ctx.response.get('content-security-policy')) {
    ctx.set('content-security-policy', "default-src 'self' 'unsafe-inline'");
  }
});

// oidc-provider has no slow_down of its own. A poll that comes before the interval is over while
// the code still waits for the person is answered with slow_down instead of
// authorization_pending, and that code's interval grows by 5 seconds. A poll for an approved code
// still gets its tokens (the code is consumed by then).
function slowDown(ctx) {
  const code = ctx.oidc.params?.device_code;
  if (typeof code !== 'string') return;
  const now = Date.now();
  const poll = polls.get(code) ?? { last: undefined, intervalMs: deviceInterval * 1000 };
  const early = poll.last !== undefined && now - poll.last < poll.intervalMs - POLL_LEEWAY_MS;
  poll.last = now;
  polls.set(code, poll);
  if (early && ctx.status === 400 && ctx.body?.error === 'authorization_pending') {
    poll.intervalMs += SLOW_DOWN_STEP_MS;
    ctx.body = {
      error: 'slow_down',
      error_description: `you are polling too quickly: wait ${poll.intervalMs / 1000} seconds between polls`,
    };
  }
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : {};
}

async function revokeGrants(sub) {
  const grantIds = [...(grantsByAccount.get(sub) ?? [])];
  grantsByAccount.delete(sub);
  for (const grantId of grantIds) {
    await Promise.all([
      provider.AccessToken.revokeByGrantId(grantId),
      provider.RefreshToken.revokeByGrantId(grantId),
      provider.AuthorizationCode.revokeByGrantId(grantId),
      provider.DeviceCode.revokeByGrantId(grantId),
      provider.Grant.adapter.destroy(grantId),
    ]);
  }
  return grantIds.length;
}

// The test-only endpoints, next to oidc-provider rather than inside it.
async function testEndpoint(req, res) {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const path = new URL(req.url, issuer).pathname;
    if (req.method === 'GET' && path === '/__test/stats') {
      send(200, stats);
    } else if (req.method === 'POST' && path === '/__test/fault') {
      const body = await readJson(req);
      if (typeof body.id_token_claims !== 'object' || body.id_token_claims === null) {
        send(400, { error: 'expected {"id_token_claims": {...}}' });
        return;
      }
      idTokenFault = body.id_token_claims;
      send(200, { armed: true });
    } else if (req.method === 'POST' && path === '/__test/revoke_grants') {
      const body = await readJson(req);
      if (typeof body.sub !== 'string') {
        send(400, { error: 'expected {"sub": "..."}' });
        return;
      }
      send(200, { revoked: await revokeGrants(body.sub) });
    } else {
      send(404, { error: 'no such test endpoint' });
    }
  } catch (error) {
    console.error('test endpoint failed:', error);
    send(500, { error: String(error) });
  }
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/__test/')) {
    testEndpoint(req, res);
  } else {
    callback(req, res);
  }
});

provider.on('server_error', (_ctx, error) => console.error('oidc-provider server error:', error));

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
// The parent keeps our stdin open: when it goes away (even killed), stdin ends and so do we.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
