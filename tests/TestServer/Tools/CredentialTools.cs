using System.ComponentModel;
using System.Text.Json.Nodes;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>
/// Reports the credentials a call arrived with, so per-user backend tests can prove whose they were: a header of the
/// HTTP request that carried it, or a variable of the process it runs in (with the process id: one process per user).
/// </summary>
[McpServerToolType]
internal sealed class CredentialTools(IServiceProvider services)
{
    [McpServerTool(Name = "request_header")]
    [Description("Reports the value of one HTTP header of the request that carried this call (null when absent or over stdio).")]
    public string RequestHeader([Description("The header name.")] string name)
    {
        // The SDK runs a handler in the execution context of the POST that carried it, so the accessor sees that request.
        var http = services.GetService<IHttpContextAccessor>()?.HttpContext;
        return new JsonObject
        {
            ["name"] = name,
            ["value"] = http?.Request.Headers[name].ToString() is { Length: > 0 } value ? value : null,
        }.ToJsonString();
    }

    [McpServerTool(Name = "env")]
    [Description("Reports the value of one environment variable of the server process (null when unset) and the process id.")]
    public static string Env([Description("The variable name.")] string name) =>
        new JsonObject
        {
            ["name"] = name,
            ["value"] = Environment.GetEnvironmentVariable(name),
            ["pid"] = Environment.ProcessId,
        }.ToJsonString();
}
