namespace OneMcp.Application.Connections;

/// <summary>
/// Where a user connects their own accounts and keys: the dashboard view "My connections" at the gateway's public
/// URL. A call refused for want of a connection names it, so the user knows where to go. Registered by the host, which
/// knows the URL.
/// </summary>
public sealed class MyConnectionsLink
{
    private readonly Lazy<Uri> _url;

    public MyConnectionsLink(Uri publicUrl)
        : this(() => publicUrl)
    {
    }

    /// <param name="publicUrl">Asked on first use: with <c>--port 0</c> the URL is known only once the gateway listens.</param>
    public MyConnectionsLink(Func<Uri> publicUrl) =>
        _url = new Lazy<Uri>(() => new Uri(publicUrl().GetLeftPart(UriPartial.Path).TrimEnd('/') + "/oauth#connections"));

    public Uri Url => _url.Value;

    /// <summary>The sentence a refused call answers with: what is missing, and where to connect.</summary>
    public string Explain(UserConnectionRequiredException refused) =>
        $"{refused.Message} Connect it under My connections: {Url}";
}
