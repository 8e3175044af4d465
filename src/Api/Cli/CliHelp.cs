using System.Collections.Frozen;
using System.CommandLine;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Api.Cli;

/// <summary>The options of the command line, described by the embedded <c>Cli/help.txt</c> (what <c>--help</c> prints).</summary>
internal static class CliHelp
{
    private const string Resource = "Cli/help.txt";

    private static readonly FrozenDictionary<string, (string? ValueName, string Text)> Options = Load();

    /// <summary>An option that takes a value, e.g. <c>--port &lt;port&gt;</c>.</summary>
    public static Option<string> Value(string name, params string[] aliases)
    {
        var (valueName, text) = Options[name];
        return new Option<string>(name, aliases) { Description = text, HelpName = valueName };
    }

    /// <summary>An option that is on when present, e.g. <c>--enable-auth</c>.</summary>
    public static Option<bool> Flag(string name) => new(name) { Description = Options[name].Text };

    private static FrozenDictionary<string, (string? ValueName, string Text)> Load()
    {
        using var stream = typeof(CliHelp).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The help text {Resource} is not embedded in the program.");
        using var reader = new StreamReader(stream);
        return SettingDescriptions.Parse(reader);
    }
}
