namespace OneMcp.Api.Endpoints;

/// <summary>A filter given in the query string, as the API reads it.</summary>
internal static class QueryParameter
{
    /// <summary>An empty value (<c>?backend=</c>, what a form's empty field sends) is no filter, as if not given.</summary>
    public static string? OrNull(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
