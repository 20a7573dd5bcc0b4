package io.millrace.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Finds a record's key at a JSON pointer without building a tree. Stateless and thread-safe. */
final class KeyPointer {

  private KeyPointer() {}

  /**
   * The bytes at {@code pointer} in a record: a string's text in UTF-8, any other value's JSON as
   * sent; null if the pointer leads nowhere or to null. Walks the record with the streaming parser,
   * skipping what the pointer does not name.
   */
  static byte[] keyAt(byte[] record, JsonPointer pointer) {
    try (JsonParser parser = RecordBodyReader.factory().createParser(record)) {
      JsonToken token = parser.nextToken();
      for (JsonPointer rest = pointer; !rest.matches(); rest = rest.tail()) {
        if (token == JsonToken.START_OBJECT) {
          token = findField(parser, rest.getMatchingProperty());
        } else if (token == JsonToken.START_ARRAY) {
          token = findElement(parser, rest.getMatchingIndex());
        } else {
          return null;
        }
        if (token == null) {
          return null;
        }
      }
      return switch (token) {
        case VALUE_NULL -> null;
        case VALUE_STRING -> parser.getText().getBytes(StandardCharsets.UTF_8);
        default -> {
          long start = parser.currentTokenLocation().getByteOffset();
          parser.skipChildren();
          long end = parser.currentLocation().getByteOffset();
          yield Arrays.copyOfRange(record, (int) start, (int) end);
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e); // the record was validated already
    }
  }

  /** Moves to the value of field {@code name} of the current object; null if absent. */
  private static JsonToken findField(JsonParser parser, String name) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      boolean match = parser.currentName().equals(name);
      JsonToken value = parser.nextToken();
      if (match) {
        return value;
      }
      parser.skipChildren();
    }
    return null;
  }

  /** Moves to element {@code index} of the current array; null if absent. */
  private static JsonToken findElement(JsonParser parser, int index) throws IOException {
    if (index < 0) {
      return null;
    }
    int i = 0;
    for (JsonToken token = parser.nextToken();
        token != JsonToken.END_ARRAY;
        token = parser.nextToken()) {
      if (i++ == index) {
        return token;
      }
      parser.skipChildren();
    }
    return null;
  }
}
