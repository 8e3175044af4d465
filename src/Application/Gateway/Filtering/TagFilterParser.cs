using System.Collections.Immutable;
using System.Globalization;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Filtering;

/// <summary>
/// Recursive-descent parser for tag filter expressions.
/// <code>
/// or      := and ( ("or" | "||" | ",") and )*
/// and     := unary ( ("and" | "&amp;&amp;" | "+") unary )*
/// unary   := ( "not" | "!" | "-" )* primary        // "-" only where a term starts
/// primary := TAG | "(" or ")"
/// TAG     := [A-Za-z0-9_.-]+ that is not a keyword  // "web-api" is one tag
/// </code>
/// </summary>
internal static class TagFilterParser
{
    public static FilterNode Parse(string expression)
    {
        if (expression.Length > TagFilter.MaxExpressionLength)
        {
            throw new TagFilterSyntaxException(
                $"The expression is longer than {TagFilter.MaxExpressionLength} characters.",
                TagFilter.MaxExpressionLength + 1);
        }

        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new TagFilterSyntaxException("The expression is empty.", 1);
        }

        var parser = new Parser(Tokenize(expression), expression.Length + 1);
        return parser.ParseExpression();
    }

    /// <summary>A character for an error message: quoted when printable, as U+XXXX otherwise.</summary>
    public static string Describe(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || (char.IsWhiteSpace(c) && c != ' ')
            ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}")
            : $"'{c}'";

    public static TagFilterSyntaxException InvalidCharacter(char c, int position) =>
        new($"Invalid character {Describe(c)} at position {position}.", position);

    public static TagFilterSyntaxException InvalidTag(string error, int position) =>
        new($"Invalid tag at position {position}: {error}", position);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var position = i + 1;
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.Open, position, "("));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.Close, position, ")"));
                    i++;
                    continue;
                case '+':
                    tokens.Add(new Token(TokenKind.And, position, "+"));
                    i++;
                    continue;
                case ',':
                    tokens.Add(new Token(TokenKind.Or, position, ","));
                    i++;
                    continue;
                case '!':
                    tokens.Add(new Token(TokenKind.Not, position, "!"));
                    i++;
                    continue;
                case '-':
                    // Words swallow inner dashes, so a dash seen here starts a term: it negates it.
                    tokens.Add(new Token(TokenKind.Not, position, "-"));
                    i++;
                    continue;
                case '&' or '|':
                    if (i + 1 < text.Length && text[i + 1] == c)
                    {
                        tokens.Add(c == '&'
                            ? new Token(TokenKind.And, position, "&&")
                            : new Token(TokenKind.Or, position, "||"));
                        i += 2;
                        continue;
                    }

                    throw InvalidCharacter(c, position);
                default:
                    break;
            }

            if (!Tag.IsTagChar(c))
            {
                throw InvalidCharacter(c, position);
            }

            var end = i + 1;
            while (end < text.Length && Tag.IsTagChar(text[end]))
            {
                end++;
            }

            var word = text[i..end];
            tokens.Add(ToWordToken(word, position));
            i = end;
        }

        return tokens;
    }

    private static Token ToWordToken(string word, int position)
    {
        if (word.Equals("and", StringComparison.OrdinalIgnoreCase))
        {
            return new Token(TokenKind.And, position, word);
        }

        if (word.Equals("or", StringComparison.OrdinalIgnoreCase))
        {
            return new Token(TokenKind.Or, position, word);
        }

        if (word.Equals("not", StringComparison.OrdinalIgnoreCase))
        {
            return new Token(TokenKind.Not, position, word);
        }

        if (!Tag.TryParse(word, out var tag, out var error))
        {
            throw InvalidTag(error, position);
        }

        return new Token(TokenKind.Tag, position, word, tag);
    }

    private enum TokenKind
    {
        End = 0,
        Tag,
        And,
        Or,
        Not,
        Open,
        Close,
    }

    private readonly record struct Token(TokenKind Kind, int Position, string Text, Tag Tag = default);

    private sealed class Parser(List<Token> tokens, int endPosition)
    {
        private int _index;
        private int _depth;

        public FilterNode ParseExpression()
        {
            var node = ParseOr();
            var next = Next();
            if (next.Kind != TokenKind.End)
            {
                throw Unexpected(next);
            }

            return node;
        }

        private Token Peek() => _index < tokens.Count ? tokens[_index] : new Token(TokenKind.End, endPosition, string.Empty);

        private Token Next()
        {
            var token = Peek();
            if (_index < tokens.Count)
            {
                _index++;
            }

            return token;
        }

        private FilterNode ParseOr()
        {
            var first = ParseAnd();
            if (Peek().Kind != TokenKind.Or)
            {
                return first;
            }

            var operands = ImmutableArray.CreateBuilder<FilterNode>();
            AddFlattened(operands, first);
            while (Peek().Kind == TokenKind.Or)
            {
                Next();
                AddFlattened(operands, ParseAnd());
            }

            return new OrNode(operands.ToImmutable());

            static void AddFlattened(ImmutableArray<FilterNode>.Builder operands, FilterNode node)
            {
                if (node is OrNode or)
                {
                    operands.AddRange(or.Operands);
                }
                else
                {
                    operands.Add(node);
                }
            }
        }

        private FilterNode ParseAnd()
        {
            var first = ParseUnary();
            if (Peek().Kind != TokenKind.And)
            {
                return first;
            }

            var operands = ImmutableArray.CreateBuilder<FilterNode>();
            AddFlattened(operands, first);
            while (Peek().Kind == TokenKind.And)
            {
                Next();
                AddFlattened(operands, ParseUnary());
            }

            return new AndNode(operands.ToImmutable());

            static void AddFlattened(ImmutableArray<FilterNode>.Builder operands, FilterNode node)
            {
                if (node is AndNode and)
                {
                    operands.AddRange(and.Operands);
                }
                else
                {
                    operands.Add(node);
                }
            }
        }

        private FilterNode ParseUnary()
        {
            // Iterative, so a long run of NOTs cannot deepen the recursion or the tree.
            var negate = false;
            while (Peek().Kind == TokenKind.Not)
            {
                Next();
                negate = !negate;
            }

            var operand = ParsePrimary();
            if (!negate)
            {
                return operand;
            }

            return operand is NotNode not ? not.Operand : new NotNode(operand);
        }

        private FilterNode ParsePrimary()
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.Tag:
                    return new TagNode(token.Tag);
                case TokenKind.Open:
                    if (++_depth > TagFilter.MaxNestingDepth)
                    {
                        throw new TagFilterSyntaxException(
                            $"The expression is nested deeper than {TagFilter.MaxNestingDepth} levels at position {token.Position}.",
                            token.Position);
                    }

                    var inner = ParseOr();
                    var close = Next();
                    if (close.Kind == TokenKind.End)
                    {
                        throw new TagFilterSyntaxException(
                            $"Unbalanced '(' opened at position {token.Position}.", token.Position);
                    }

                    if (close.Kind != TokenKind.Close)
                    {
                        throw Unexpected(close);
                    }

                    _depth--;
                    return inner;
                case TokenKind.End:
                    throw new TagFilterSyntaxException(
                        $"Expected a tag at position {token.Position} (end of expression).", token.Position);
                default:
                    throw Unexpected(token);
            }
        }

        private static TagFilterSyntaxException Unexpected(Token token) =>
            new($"Unexpected '{token.Text}' at position {token.Position}.", token.Position);
    }
}
