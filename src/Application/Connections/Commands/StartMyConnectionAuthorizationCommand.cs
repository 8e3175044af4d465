using MediatR;

namespace OneMcp.Application.Connections.Commands;

/// <summary>
/// A user clicks "Connect account": the gateway prepares the backend's OAuth flow for that user's own account and
/// answers where to send the browser. <paramref name="RedirectUri"/> is the gateway's <c>/oauth/callback/&lt;name&gt;</c>.
/// Nothing the runtime uses changes until the callback completes the flow.
/// </summary>
public sealed record StartMyConnectionAuthorizationCommand(string Backend, ConnectionOwner Owner, Uri RedirectUri) : IRequest<Uri>;
