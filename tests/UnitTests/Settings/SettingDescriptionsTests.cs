using OneMcp.Infrastructure.Settings;

namespace OneMcp.UnitTests.Settings;

public sealed class SettingDescriptionsTests
{
    [Fact]
    public void Parse_ReadsEachOptionWithItsValueName_AndFillsInTheDefaults()
    {
        var options = SettingDescriptions.Parse(new StringReader(
            "# a comment\n\n--port <port>: Port to listen on (default {DefaultPort}, 0 picks a free one).\n--enable-auth: Require tokens: {DefaultHost}.\n"));

        options.Count.ShouldBe(2);
        options["--port"].ShouldBe(("port", $"Port to listen on (default {ServeOptions.DefaultPort}, 0 picks a free one)."));
        options["--enable-auth"].ShouldBe(((string?)null, $"Require tokens: {ServeOptions.DefaultHost}."));
    }
}
