package io.millrace.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

  private final RouteHandler list = request -> ApiResponse.ok("list");
  private final RouteHandler describe = request -> ApiResponse.ok("describe");
  private final Router router =
      Router.builder()
          .get("/topics", list)
          .post("/topics", list)
          .get("/topics/{topic}", describe)
          .delete("/topics/{topic}", describe)
          .build();

  @Test
  void shouldMatchLiteralAndParameterSegments() {
    assertThat(router.match("GET", "/topics"))
        .isEqualTo(new Router.Match.Found(list, Map.of(), false));
    assertThat(router.match("GET", "/topics/orders"))
        .isEqualTo(new Router.Match.Found(describe, Map.of("topic", "orders"), false));
  }

  @Test
  void shouldIgnoreATrailingSlash() {
    assertThat(router.match("GET", "/topics/")).isInstanceOf(Router.Match.Found.class);
  }

  @Test
  void shouldDecodePercentEncodingButKeepPlus() {
    assertThat(router.match("GET", "/topics/a%2Eb+c"))
        .isEqualTo(new Router.Match.Found(describe, Map.of("topic", "a.b+c"), false));
  }

  @Test
  void whenPathExistsWithOtherMethods_thenMethodNotAllowedListsThem() {
    assertThat(router.match("PUT", "/topics/orders"))
        .isEqualTo(new Router.Match.MethodNotAllowed(List.of("DELETE", "GET")));
  }

  @Test
  void whenNoRouteHasThePath_thenNotFound() {
    assertThat(router.match("GET", "/topics/a/b")).isEqualTo(new Router.Match.NotFound());
    assertThat(router.match("GET", "/")).isEqualTo(new Router.Match.NotFound());
  }

  @Test
  void shouldRejectMalformedPercentEncodingAsTheClientsMistake() {
    assertThatThrownBy(() -> router.match("GET", "/topics/%zz"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
  }
}
