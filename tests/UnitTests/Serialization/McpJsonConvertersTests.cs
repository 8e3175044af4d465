using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.UnitTests.Serialization;

/// <summary>
/// The gateway's contract (<see cref="McpJson.Options"/>) reads and writes a call's arguments and a result's content
/// with converters of its own: the JSON must be exactly the SDK's, both ways.
/// </summary>
public sealed class McpJsonConvertersTests
{
    private const string Call = """
        {"name":"search","arguments":{"query":"caf\u00e9 \"quoted\" <b>","limit":1.5e3,"nested":{"deep":[1,{"x":null}]},"flag":false,"empty":{},"list":[]},"_meta":{"progressToken":7}}
        """;

    private const string Result = """
        {"content":[
          {"type":"text","text":"héllo","annotations":{"audience":["user"],"priority":0.5}},
          {"type":"image","data":"aGk=","mimeType":"image/png"},
          {"type":"audio","data":"aGk=","mimeType":"audio/wav"},
          {"type":"resource_link","uri":"file:///a.txt","name":"a"},
          {"type":"resource","resource":{"uri":"file:///b.txt","mimeType":"text/plain","text":"b"}},
          {"type":"text","text":"last","_meta":{"k":"v"}}],
         "structuredContent":{"n":1},"isError":true,"_meta":{"a":[1,2]}}
        """;

    [Fact]
    public void TheGatewaysContract_UsesItsOwnConverters_ForArgumentsAndContent()
    {
        // The SDK's properties still have the types the converters are for (an SDK that changed them would bypass them).
        PropertyType<CallToolRequestParams>("arguments").ShouldBe(typeof(IDictionary<string, JsonElement>));
        PropertyType<GetPromptRequestParams>("arguments").ShouldBe(typeof(IDictionary<string, JsonElement>));
        PropertyType<CallToolResult>("content").ShouldBe(typeof(IList<ContentBlock>));
        PropertyType<ReadResourceResult>("contents").ShouldBe(typeof(IList<ResourceContents>));

        McpJson.Options.GetTypeInfo(typeof(IDictionary<string, JsonElement>)).Converter.ShouldBeOfType<JsonArgumentsConverter>();
        McpJson.Options.GetTypeInfo(typeof(IList<ContentBlock>)).Converter.ShouldBeOfType<ValueListConverter<ContentBlock>>();
        McpJson.Options.GetTypeInfo(typeof(IList<ResourceContents>)).Converter.ShouldBeOfType<ValueListConverter<ResourceContents>>();
    }

    [Fact]
    public void ACallsArguments_ReadAndWrittenAgain_AreTheSdksJson()
    {
        var ours = JsonSerializer.Deserialize(Call, McpJson<CallToolRequestParams>.Info)!;
        var sdks = JsonSerializer.Deserialize<CallToolRequestParams>(Call, McpJsonUtilities.DefaultOptions)!;

        ours.Arguments!.Keys.ShouldBe(sdks.Arguments!.Keys);
        ours.Arguments["limit"].GetDouble().ShouldBe(1500);
        ours.Arguments["query"].GetString().ShouldBe("café \"quoted\" <b>");
        JsonSerializer.Serialize(ours, McpJson<CallToolRequestParams>.Info)
            .ShouldBe(JsonSerializer.Serialize(sdks, McpJsonUtilities.DefaultOptions));
    }

    [Fact]
    public void ArgumentsMadeInCode_AsAnotherDictionary_AreWrittenAsTheSdkWritesThem()
    {
        // Read makes a Dictionary, which is written without an enumerator object; any other IDictionary is written the same.
        var sdks = JsonSerializer.Deserialize<CallToolRequestParams>(Call, McpJsonUtilities.DefaultOptions)!;
        var sorted = new CallToolRequestParams { Name = sdks.Name, Arguments = new SortedList<string, JsonElement>(sdks.Arguments!, StringComparer.Ordinal) };

        JsonSerializer.Serialize(sorted, McpJson<CallToolRequestParams>.Info)
            .ShouldBe(JsonSerializer.Serialize(sorted, McpJsonUtilities.DefaultOptions));
    }

    [Fact]
    public void ARepeatedArgument_KeepsItsLastValue_AsTheSdkDoes()
    {
        const string repeated = """{"name":"t","arguments":{"a":1,"a":2}}""";

        var ours = JsonSerializer.Deserialize(repeated, McpJson<CallToolRequestParams>.Info)!;

        ours.Arguments!["a"].GetInt32().ShouldBe(JsonSerializer.Deserialize<CallToolRequestParams>(repeated, McpJsonUtilities.DefaultOptions)!.Arguments!["a"].GetInt32());
        ours.Arguments.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"name":"t"}""")]
    [InlineData("""{"name":"t","arguments":null}""")]
    public void NoArguments_AreNull(string json) =>
        JsonSerializer.Deserialize(json, McpJson<CallToolRequestParams>.Info)!.Arguments.ShouldBeNull();

    [Theory]
    [InlineData("""{"name":"t","arguments":[1]}""")]
    [InlineData("""{"name":"t","arguments":"a"}""")]
    [InlineData("""{"name":"t","arguments":3}""")]
    public void ArgumentsThatAreNotAnObject_AreRefused(string json) =>
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize(json, McpJson<CallToolRequestParams>.Info));

    [Fact]
    public void AResultsContent_ReadAndWrittenAgain_IsTheSdksJson()
    {
        var ours = JsonSerializer.Deserialize(Result, McpJson<CallToolResult>.Info)!;
        var sdks = JsonSerializer.Deserialize<CallToolResult>(Result, McpJsonUtilities.DefaultOptions)!;

        ours.Content.Select(c => c.GetType()).ShouldBe(sdks.Content.Select(c => c.GetType()));
        JsonSerializer.Serialize(ours, McpJson<CallToolResult>.Info)
            .ShouldBe(JsonSerializer.Serialize(sdks, McpJsonUtilities.DefaultOptions));
    }

    [Fact]
    public void AResourcesContents_ReadAndWrittenAgain_AreTheSdksJson()
    {
        const string read = """{"contents":[{"uri":"file:///a","mimeType":"text/plain","text":"a"},{"uri":"file:///b","blob":"aGk="}]}""";

        var ours = JsonSerializer.Deserialize(read, McpJson<ReadResourceResult>.Info)!;

        ours.Contents.Select(c => c.GetType()).ShouldBe([typeof(TextResourceContents), typeof(BlobResourceContents)]);
        JsonSerializer.Serialize(ours, McpJson<ReadResourceResult>.Info)
            .ShouldBe(JsonSerializer.Serialize(JsonSerializer.Deserialize<ReadResourceResult>(read, McpJsonUtilities.DefaultOptions), McpJsonUtilities.DefaultOptions));
    }

    [Theory]
    [InlineData("""{"content":{"type":"text","text":"a"}}""")]
    [InlineData("""{"content":"a"}""")]
    [InlineData("""{"content":[{"type":"text","text":"a"}""")]
    public void ContentThatIsNotAList_IsRefused(string json) =>
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize(json, McpJson<CallToolResult>.Info));

    [Fact]
    public void AnEmptyContentList_StaysEmpty()
    {
        var result = JsonSerializer.Deserialize("""{"content":[]}""", McpJson<CallToolResult>.Info)!;

        result.Content.ShouldBeEmpty();
        JsonSerializer.Serialize(result, McpJson<CallToolResult>.Info).ShouldBe("""{"content":[]}""");
    }

    private static Type PropertyType<T>(string name) =>
        McpJson<T>.Info.Properties.Single(p => p.Name == name).PropertyType;
}
