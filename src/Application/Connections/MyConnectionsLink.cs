namespace OneMcp.Application.Connections;

/// <summary>
/// Where a user connects their own accounts and keys: the dashboard view "My connections" at the gateway's public
/// URL. A call refused for want of a connection names it, so the user knows where to go. Registered by the host, which
/// knows the URL.
/// </summary>
public sealed class MyConnectionsLink(Uri publicUrl)
{
    public Uri Url { get; } = new(publicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/oauth#connections");

    /// <summary>The sentence a refused call answers with: what is missing, and where to connect.</summary>
    public string Explain(UserConnectionRequiredException refused) =>
        $"{refused.Message} Connect it under My connections: {Url}";
}
