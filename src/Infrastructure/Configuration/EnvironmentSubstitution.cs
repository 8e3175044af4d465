namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Replaces <c>${VAR}</c> and <c>${VAR:-default}</c> (the default may hold references too) in configuration strings. Bare <c>$VAR</c> is left
/// alone on purpose: arguments such as regular expressions (<c>^foo$</c>) or shell snippets contain
/// dollars that must reach the backend unchanged. <c>$${</c> is an escape for a literal <c>${</c>. <c>${user:NAME}</c>
/// is not an environment reference: it is kept as written (see <c>UserSecretReferences</c>).
/// </summary>
internal static class EnvironmentSubstitution
{
    private const string UserReference = "user:";

    /// <summary>
    /// Substitutes every reference in <paramref name="text"/>. Problems are appended to
    /// <paramref name="problems"/>; they name variables but never contain a variable's value.
    /// Unresolvable references are kept verbatim in the returned text.
    /// </summary>
    public static string Substitute(string text, Func<string, string?> environment, List<string> problems)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new System.Text.StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '$')
            {
                result.Append(c);
                i++;
                continue;
            }

            if (i + 2 < text.Length && text[i + 1] == '$' && text[i + 2] == '{')
            {
                result.Append("${");
                i += 3;
                continue;
            }

            if (i + 1 >= text.Length || text[i + 1] != '{')
            {
                result.Append(c);
                i++;
                continue;
            }

            var close = ClosingBrace(text, i + 2);
            if (close < 0)
            {
                problems.Add("Unterminated '${' (a reference is written ${NAME} or ${NAME:-default}).");
                result.Append(text, i, text.Length - i);
                break;
            }

            var inner = text.AsSpan(i + 2, close - i - 2);
            if (inner.StartsWith(UserReference, StringComparison.Ordinal))
            {
                // ${user:NAME} is a secret of each user, resolved per user at run time, never from the environment.
                result.Append(text, i, close - i + 1);
                i = close + 1;
                continue;
            }

            var separator = inner.IndexOf(":-", StringComparison.Ordinal);
            var name = (separator >= 0 ? inner[..separator] : inner).ToString();
            string? fallback = separator >= 0 ? inner[(separator + 2)..].ToString() : null;

            if (!IsVariableName(name))
            {
                problems.Add($"'{name}' is not a valid environment variable name in a ${{...}} reference.");
                result.Append(text, i, close - i + 1);
            }
            else
            {
                var value = environment(name);
                // Shell semantics: ':-' also replaces a variable that is set but empty.
                if (fallback is not null && string.IsNullOrEmpty(value))
                {
                    // The default may hold references of its own (${A:-${B}}), read only when it is used, as a shell does.
                    value = Substitute(fallback, environment, problems);
                }

                if (value is null)
                {
                    problems.Add($"Environment variable '{name}' is not set (use ${{{name}:-default}} to give a default).");
                    result.Append(text, i, close - i + 1);
                }
                else
                {
                    result.Append(value);
                }
            }

            i = close + 1;
        }

        return result.ToString();
    }

    // The '}' that ends the reference whose name starts at `from`, past any reference nested in its default.
    private static int ClosingBrace(string text, int from)
    {
        var depth = 0;
        for (var j = from; j < text.Length; j++)
        {
            if (text[j] == '$' && j + 1 < text.Length && text[j + 1] == '{')
            {
                depth++;
                j++;
            }
            else if (text[j] == '}')
            {
                if (depth == 0)
                {
                    return j;
                }

                depth--;
            }
        }

        return -1;
    }

    /// <summary>
    /// Substitutes <paramref name="text"/> and reports each problem at <paramref name="path"/>: as an error, or as a
    /// warning when <paramref name="lenient"/> (a disabled server, whose credentials are often absent on purpose).
    /// Returns null when a reference could not be resolved.
    /// </summary>
    public static string? Substitute(
        string text, string path, bool lenient, Func<string, string?> environment, ConfigDiagnostics diagnostics)
    {
        var problems = new List<string>();
        var result = Substitute(text, environment, problems);
        if (problems.Count == 0)
        {
            return result;
        }

        foreach (var problem in problems)
        {
            if (lenient)
            {
                diagnostics.Warn(path, problem + " The server is disabled, so this is not an error yet.");
            }
            else
            {
                diagnostics.Error(path, problem);
            }
        }

        return null;
    }

    public static bool IsVariableName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
