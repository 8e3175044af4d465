using System.Net;
using System.Text.RegularExpressions;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>One input of an HTML form (an <c>&lt;input&gt;</c> or a <c>&lt;button&gt;</c>), attribute values HTML-decoded.</summary>
public sealed record HtmlInput(string Type, string? Name, string Value, bool Checked);

/// <summary>An HTML <c>&lt;form&gt;</c> as a browser would submit it: method, action (decoded, possibly relative or empty) and inputs.</summary>
public sealed record HtmlForm(string Method, string Action, IReadOnlyList<HtmlInput> Inputs)
{
    /// <summary>Name/value of every <c>type="hidden"</c> input that has a name, in document order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> HiddenFields =>
        [.. Inputs.Where(i => i.Type == "hidden" && !string.IsNullOrEmpty(i.Name)).Select(i => KeyValuePair.Create(i.Name!, i.Value))];

    /// <summary>The checkboxes called <paramref name="name"/>.</summary>
    public IReadOnlyList<HtmlInput> Checkboxes(string name) =>
        [.. Inputs.Where(i => i.Type == "checkbox" && i.Name == name)];

    public bool HasInput(string name) => Inputs.Any(i => i.Name == name);

    /// <summary>The action resolved against the page's address; an empty action means the page itself.</summary>
    public Uri ResolveAction(Uri pageUri) => string.IsNullOrWhiteSpace(Action) ? pageUri : new Uri(pageUri, Action);
}

/// <summary>
/// A small, dependency-free reader of the forms in server-rendered HTML. It understands quoted and unquoted
/// attributes, any attribute order and case, <c>&gt;</c> inside quoted values, self-closing tags and comments;
/// it is not a general HTML parser.
/// </summary>
public static partial class HtmlForms
{
    public static IReadOnlyList<HtmlForm> Parse(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        html = CommentRegex().Replace(html, string.Empty);
        var forms = new List<HtmlForm>();
        foreach (Match form in FormRegex().Matches(html))
        {
            var attributes = Attributes(form.Groups["attrs"].Value);
            var body = form.Groups["body"].Value;
            var inputs = new List<HtmlInput>();
            foreach (Match control in ControlRegex().Matches(body))
            {
                var a = Attributes(control.Groups["attrs"].Value);
                var isButton = control.Groups["tag"].Value.Equals("button", StringComparison.OrdinalIgnoreCase);
                var type = (a.GetValueOrDefault("type") ?? (isButton ? "submit" : "text")).ToLowerInvariant();
                var value = a.GetValueOrDefault("value") ?? (type is "checkbox" or "radio" ? "on" : string.Empty);
                inputs.Add(new HtmlInput(type, a.GetValueOrDefault("name"), value, a.ContainsKey("checked")));
            }

            forms.Add(new HtmlForm(
                (attributes.GetValueOrDefault("method") ?? "get").ToLowerInvariant(),
                attributes.GetValueOrDefault("action") ?? string.Empty,
                inputs));
        }

        return forms;
    }

    /// <summary>The first form that has an input called <paramref name="inputName"/>; throws with the page's start when none has.</summary>
    public static HtmlForm FindFormWith(string html, string inputName) =>
        Parse(html).FirstOrDefault(f => f.HasInput(inputName))
        ?? throw new InvalidOperationException($"No form with an input named '{inputName}' in: {Snippet(html)}");

    internal static string Snippet(string text) => text.Length <= 600 ? text : text[..600] + "…";

    private static Dictionary<string, string?> Attributes(string text)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in AttributeRegex().Matches(text))
        {
            var raw = m.Groups["dq"].Success ? m.Groups["dq"].Value
                : m.Groups["sq"].Success ? m.Groups["sq"].Value
                : m.Groups["uq"].Success ? m.Groups["uq"].Value
                : null;
            result.TryAdd(m.Groups["name"].Value, raw is null ? null : WebUtility.HtmlDecode(raw));
        }

        return result;
    }

    private const string TagAttributes = """(?<attrs>(?:[^>"']|"[^"]*"|'[^']*')*)""";

    [GeneratedRegex("<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex CommentRegex();

    [GeneratedRegex("<form\\b" + TagAttributes + ">(?<body>.*?)</form\\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex FormRegex();

    [GeneratedRegex("<(?<tag>input|button)\\b" + TagAttributes + ">", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ControlRegex();

    [GeneratedRegex("""(?<name>[^\s"'<>/=]+)(?:\s*=\s*(?:"(?<dq>[^"]*)"|'(?<sq>[^']*)'|(?<uq>[^\s"'=<>`]+)))?""")]
    private static partial Regex AttributeRegex();
}
