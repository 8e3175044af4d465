namespace OneMcp.Application.Authorization;

/// <summary>The <c>application_type</c> values of client registration (OpenID Connect Dynamic Client Registration §2).</summary>
public static class OAuthApplicationTypes
{
    /// <summary>The default: a client that runs on a web server or in a browser.</summary>
    public const string Web = "web";

    /// <summary>A client installed on the user's device (a desktop or mobile application, a CLI).</summary>
    public const string Native = "native";
}
