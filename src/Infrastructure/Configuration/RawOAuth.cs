namespace OneMcp.Infrastructure.Configuration;

/// <summary>The <c>oauth</c> object of a server as written, type-checked but not substituted.</summary>
internal sealed class RawOAuth
{
    public Located<string>? ClientId { get; set; }
    public Located<string>? ClientSecret { get; set; }
    public List<Located<string>>? Scopes { get; set; }
    public Located<string>? RedirectUrl { get; set; }
}
