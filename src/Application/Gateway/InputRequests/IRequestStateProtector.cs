namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>Seals and opens the <c>requestState</c> of input_required results (an authenticated encryption).</summary>
public interface IRequestStateProtector
{
    string Protect(RequestStateTicket ticket);

    /// <summary>The ticket inside <paramref name="requestState"/>, or null when it was not sealed by this gateway or was altered.</summary>
    RequestStateTicket? Unprotect(string requestState);
}
