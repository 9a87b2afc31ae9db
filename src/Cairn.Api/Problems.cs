using Cairn.StateMachine;
using Microsoft.AspNetCore.Http;

namespace Cairn.Api;

/// <summary>HTTP errors as application/problem+json (RFC 9457) with an honest status.</summary>
internal static class Problems
{
    public static IResult FromReply(KvReply reply) => FromError(reply.Text ?? "ERR unknown error");

    public static IResult FromError(string text) => ReplyErrors.Classify(text) switch
    {
        ErrorClass.Unavailable => new RetryAfter(Problem(StatusCodes.Status503ServiceUnavailable, text), 1),
        ErrorClass.UnknownOutcome => Problem(StatusCodes.Status504GatewayTimeout, text),
        ErrorClass.StorageFailed => new RetryAfter(Problem(StatusCodes.Status503ServiceUnavailable, text), 5),
        ErrorClass.WrongType => Problem(StatusCodes.Status409Conflict, text),
        ErrorClass.Internal => Problem(StatusCodes.Status500InternalServerError, text),
        _ => Problem(StatusCodes.Status400BadRequest, text),
    };

    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, detail);

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, detail);

    public static IResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, detail);

    public static IResult TooLarge(long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, $"the value is larger than the limit of {limit} bytes (proto_max_bulk_len)");

    public static IResult Unavailable(string detail) => new RetryAfter(Problem(StatusCodes.Status503ServiceUnavailable, detail), 1);

    private static IResult Problem(int status, string detail) => TypedResults.Problem(detail: detail, statusCode: status);

    /// <summary>Adds Retry-After (seconds) to a result.</summary>
    private sealed class RetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
