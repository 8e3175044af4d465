using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>
/// An HTTP client signed in to the gateway the way the dashboard is: the sign-in cookie, and the anti-forgery
/// token of <c>GET /api/session</c> sent with every request (as the dashboard sends it with every change).
/// </summary>
public static class DashboardClient
{
    public static async Task<HttpClient> SignInAsync(Uri baseUrl, string userName, string password)
    {
        var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = baseUrl,
        };
        using var login = await http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", userName), KeyValuePair.Create("password", password), KeyValuePair.Create("returnUrl", "/oauth")]));
        if (login.StatusCode != HttpStatusCode.Found)
        {
            http.Dispose();
            throw new InvalidOperationException($"Signing in as {userName} failed: {(int)login.StatusCode}.");
        }

        var session = await http.GetFromJsonAsync<JsonObject>("/api/session");
        http.DefaultRequestHeaders.Add("X-CSRF-Token", session!["csrfToken"]!.GetValue<string>());
        return http;
    }

    /// <summary>A client of a gateway without authentication (its anti-forgery token is not needed, nor checked).</summary>
    public static HttpClient Open(Uri baseUrl) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseUrl };
}
