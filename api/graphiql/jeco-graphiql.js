// Wires GraphiQL to the Jeco Chat API: queries and mutations over HTTP at /graphql,
// subscriptions over graphql-transport-ws at /graphql/ws. The access token comes
// from the login box, the token box, or an `Authorization: Bearer …` entry in the
// Headers editor (which wins), and is sent as `{ authToken }` in connection_init.
// Plain script (no inline code) so that a strict Content-Security-Policy applies.
(function () {
  'use strict';

  var TOKEN_KEY = 'jeco.graphiql.accessToken';
  var httpUrl = new URL('/graphql', window.location.href).toString();
  var wsUrl = httpUrl.replace(/^http/, 'ws') + '/ws';

  var token = window.sessionStorage.getItem(TOKEN_KEY) || '';
  var statusEl = document.getElementById('jeco-auth-status');
  var forgetEl = document.getElementById('jeco-forget');

  function showStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle('error', Boolean(isError));
  }

  function setToken(next, who) {
    token = next || '';
    if (token) {
      window.sessionStorage.setItem(TOKEN_KEY, token);
      showStatus(who ? 'logged in as ' + who : 'using the pasted token');
    } else {
      window.sessionStorage.removeItem(TOKEN_KEY);
      showStatus('anonymous');
    }
    forgetEl.hidden = !token;
  }

  function bearerFrom(headers) {
    if (!headers) return '';
    var value = headers.Authorization || headers.authorization || '';
    var match = /^Bearer\s+(\S+)$/i.exec(String(value).trim());
    return match ? match[1] : '';
  }

  // One WebSocket client per token: the token is fixed at connection_init, so a
  // new token needs a new connection.
  var wsClient = null;
  var wsToken = null;
  function wsClientFor(tok) {
    if (wsClient && wsToken === tok) return wsClient;
    if (wsClient) wsClient.dispose();
    wsToken = tok;
    wsClient = graphqlWs.createClient({
      url: wsUrl,
      lazy: true,
      retryAttempts: 3,
      connectionParams: function () {
        return wsToken ? { authToken: wsToken } : {};
      },
    });
    return wsClient;
  }

  function fetcher(params, opts) {
    var tok = bearerFrom(opts && opts.headers) || token;
    var inner = GraphiQL.createFetcher({
      url: httpUrl,
      subscriptionUrl: wsUrl,
      wsClient: wsClientFor(tok),
      headers: tok ? { Authorization: 'Bearer ' + tok } : {},
    });
    return inner(params, opts);
  }

  var LOGIN = 'mutation GraphiQLLogin($input: LoginInput!) {' +
    ' login(input: $input) { accessToken user { username } userErrors { message code } } }';

  document.getElementById('jeco-login').addEventListener('submit', function (event) {
    event.preventDefault();
    var user = document.getElementById('jeco-login-user').value;
    var passwordEl = document.getElementById('jeco-login-password');
    showStatus('logging in…');
    window
      .fetch(httpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          query: LOGIN,
          variables: { input: { usernameOrEmail: user, password: passwordEl.value } },
        }),
      })
      .then(function (res) {
        return res.json();
      })
      .then(function (body) {
        var payload = body && body.data && body.data.login;
        if (!payload || !payload.accessToken) {
          var errs = (payload && payload.userErrors) || (body && body.errors) || [];
          throw new Error(errs.length ? errs[0].message : 'login failed');
        }
        passwordEl.value = '';
        setToken(payload.accessToken, payload.user && payload.user.username);
      })
      .catch(function (err) {
        showStatus(err.message || String(err), true);
      });
  });

  document.getElementById('jeco-token').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = document.getElementById('jeco-token-input');
    setToken(input.value.trim().replace(/^Bearer\s+/i, ''));
    input.value = '';
  });

  forgetEl.addEventListener('click', function () {
    setToken('');
  });

  var DEFAULT_QUERY = [
    '# Jeco Chat API. Log in above, or add',
    '#   {"Authorization": "Bearer <token>"}',
    '# under Headers, then press ▶. Schema: Docs panel.',
    'query Viewer {',
    '  viewer { id username displayName }',
    '  conversations(first: 20) {',
    '    nodes { id kind name lastActivityAt }',
    '  }',
    '}',
    '',
    '# Live events of all your conversations',
    '# (WebSocket, graphql-transport-ws):',
    'subscription Events {',
    '  conversationEvents {',
    '    cursor',
    '    conversationId',
    '    payload {',
    '      __typename',
    '      ... on MessageCreated {',
    '        message { id body sender { username } }',
    '      }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  setToken(token);
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
    })
  );
})();
