using System.ComponentModel;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>Reports the trace context a call arrived with, so gateway tests can prove it was passed on.</summary>
[McpServerToolType]
internal sealed class TraceTools(IServiceProvider services)
{
    [McpServerTool(Name = "trace")]
    [Description("Reports the traceparent and tracestate HTTP headers (null over stdio) and the _meta of this call.")]
    public string Trace(RequestContext<CallToolRequestParams> context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // The SDK runs a handler in the execution context of the POST that carried it, so the accessor sees that request.
        var http = services.GetService<IHttpContextAccessor>()?.HttpContext;
        return new JsonObject
        {
            ["traceparent"] = http?.Request.Headers["traceparent"].ToString() is { Length: > 0 } parent ? parent : null,
            ["tracestate"] = http?.Request.Headers["tracestate"].ToString() is { Length: > 0 } state ? state : null,
            ["meta"] = context.Params?.Meta?.DeepClone(),
        }.ToJsonString();
    }
}
