using Microsoft.AspNetCore.Http;

namespace Engram.Explorer;

/// <summary>A request the explorer refuses: the HTTP status, and the message the client sees as <c>{"error": …}</c>.</summary>
internal sealed class ApiException(int statusCode, string message) : Exception(message)
{
    /// <summary>The HTTP status code of the answer.</summary>
    public int StatusCode { get; } = statusCode;

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    /// <summary>A change asked of a memory that only reads (a memory file): 405, with <c>Allow: GET</c>.</summary>
    public static ApiException ReadOnly(string message) => new(StatusCodes.Status405MethodNotAllowed, message) { Allow = "GET" };

    /// <summary>The methods the resource takes, sent as the <c>Allow</c> header with a 405; null otherwise.</summary>
    public string? Allow { get; private init; }
}
