// The dashboard's REST client (docs/dashboard-api.md): same-origin cookies, JSON, the CSRF header on every
// unsafe request, ProblemDetails turned into ApiError with a readable message.

let csrfToken = null;
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, problem, method, path) {
    super(messageOf(status, problem, method, path));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

function messageOf(status, problem, method, path) {
  if (status === 0) return 'The gateway did not answer. Is it still running?';
  let text = problem?.detail || problem?.title || `The gateway answered ${status}.`;
  if (status === 404 && !problem?.detail) text = `This gateway does not offer ${method} ${path} (404): it may be an older version.`;
  if (problem?.errors && typeof problem.errors === 'object') {
    const details = Object.entries(problem.errors).flatMap(([field, messages]) =>
      (Array.isArray(messages) ? messages : [messages]).map(m => (field ? `${field}: ${m}` : String(m))));
    if (details.length) text += ` ${details.join(' ')}`;
  }
  return text;
}

export function configure({ csrf, unauthorized }) {
  if (csrf !== undefined) csrfToken = csrf;
  if (unauthorized) onUnauthorized = unauthorized;
}

export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    if (body !== undefined) init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, null, method, path);
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, problem, method, path);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = path => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const put = (path, body) => request('PUT', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const del = path => request('DELETE', path);

export const seg = value => encodeURIComponent(value);

/**
 * For an edit refused because another one was saved first (409 version_conflict): reads what is saved now at path and
 * hands it to rebase (which takes its version and keeps what the user typed, so that Save again replaces it knowingly),
 * then throws an error saying so (message(current)). Any other error is thrown as it is.
 */
export async function rebaseOnConflict(error, path, rebase, message) {
  if (error?.status !== 409 || error.problem?.code !== 'version_conflict') throw error;
  const current = await get(path);
  rebase(current);
  throw new Error(message(current));
}

/** GET /api/session; a 404 (an older gateway) means auth is off. */
export async function loadSession() {
  const session = await get('/api/session');
  configure({ csrf: session?.csrfToken ?? null });
  return { authEnabled: !!session?.authEnabled, scopeValidation: !!session?.scopeValidation, user: session?.user ?? null };
}
