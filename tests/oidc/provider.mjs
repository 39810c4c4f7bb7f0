// The agency's issuer in the tests: panva/oidc-provider (OpenID Certified), on loopback only.
// Configured by the environment that tests/oidc_provider.py passes:
//   OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI,
//   OIDC_ACCOUNTS = {"<login>": {"nip": "...", "name": "...", "roles": ["hr"]}}
// Its own login and consent pages (devInteractions) are what a person sees; any password is
// accepted for a listed login, an unlisted login is refused by findAccount.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [process.env.OIDC_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'nip'],
  claims: { openid: ['sub'], profile: ['name'], nip: ['nip', 'roles'] },
  conformIdTokenClaims: false,
  cookies: { keys: [process.env.OIDC_COOKIE_KEY || 'kinerja-test-oidc-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const person = accounts[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
});
provider.proxy = false;
const server = provider.listen(port, '127.0.0.1', () => console.log(`READY ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
