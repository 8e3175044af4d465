namespace OneMcp.Api.Auth;

/// <summary>The form a page posts back (sign-in, consent), read so that a body that is no readable form is bad input.</summary>
internal static class PostedForm
{
    /// <summary>
    /// The posted form; null when the request carries none or one that cannot be read (a multipart body without its
    /// boundary, more fields or longer values than ASP.NET Core's form limits allow), which the page answers with 400.
    /// </summary>
    public static async Task<IFormCollection?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
