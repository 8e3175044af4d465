using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Resources;

internal static class TestResourceUris
{
    public const string Info = "test://static/info";
    public const string Binary = "test://static/binary";
    public const string ItemTemplate = "test://items/{id}";

    /// <summary>An item whose read answers contents with an empty <c>uri</c>, as some servers send for "this resource".</summary>
    public const string UnnamedItem = "test://items/unnamed";
}

[McpServerResourceType]
internal sealed class TestResources(ServerState state)
{
    // Includes bytes that are not valid UTF-8 so a gateway that mangles blobs into text gets caught.
    private static readonly byte[] BinaryPayload = [0x00, 0x01, 0x02, 0x03, 0xFF, 0xFE, 0x7F, 0x80];

    [McpServerResource(UriTemplate = TestResourceUris.Info, Name = "info", MimeType = "text/plain")]
    [Description("Static text naming the server.")]
    public string Info() => $"info from {state.Name}";

    [McpServerResource(UriTemplate = TestResourceUris.Binary, Name = "binary", MimeType = "application/octet-stream")]
    [Description("A small binary blob.")]
    public static BlobResourceContents Binary() =>
        BlobResourceContents.FromBytes(BinaryPayload, TestResourceUris.Binary, "application/octet-stream");

    [McpServerResource(UriTemplate = TestResourceUris.ItemTemplate, Name = "item", MimeType = "text/plain")]
    [Description("An item addressed by id.")]
    public string Item([Description("Item id.")] string id) => $"item {id} from {state.Name}";
}
