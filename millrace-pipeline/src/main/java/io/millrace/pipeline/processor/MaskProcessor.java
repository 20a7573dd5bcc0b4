package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.ProcessorSpec.MaskRule;
import io.millrace.pipeline.expression.RecordVariables;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Hides sensitive fields: a fixed mask, a partial mask keeping the last characters, a keyed hash
 * (HMAC-SHA-256, hex; equal inputs give equal hashes, so joins and counts still work), or removal.
 * Absent fields are left absent. Thread-safe ({@link Mac} instances are per thread).
 */
public final class MaskProcessor implements Processor {

  private static final String HMAC = "HmacSHA256";

  private final List<MaskRule> rules;
  private final ThreadLocal<Map<String, Mac>> macs =
      ThreadLocal.withInitial(java.util.HashMap::new);

  public MaskProcessor(List<MaskRule> rules) {
    this.rules = List.copyOf(rules);
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    Map<String, Object> value = record.valueMap();
    if (value == null) {
      return ProcessResult.failed(
          record,
          kind(),
          "mask needs a map value, the record's value is text (parse it first, or use redact)");
    }
    Values.Edit edit = new Values.Edit(value);
    for (MaskRule rule : rules) {
      Map<String, Object> current = edit.result();
      if (!Values.containsPath(current, rule.field())) {
        continue;
      }
      Object original = rule.field().get(current);
      switch (rule) {
        case MaskRule.Remove r -> edit.remove(r.field());
        case MaskRule.Fixed f -> edit.set(f.field(), f.replacement());
        case MaskRule.KeepLast k ->
            edit.set(k.field(), keepLast(Values.text(original), k.keep(), k.maskChar()));
        case MaskRule.Hash h ->
            edit.set(h.field(), original == null ? null : hash(h.secret(), Values.text(original)));
      }
    }
    value = edit.result();
    return ProcessResult.one(record.withValue(value));
  }

  /** {@code 4111111111111111} with keep 4 → {@code ************1111}. */
  static String keepLast(String text, int keep, char maskChar) {
    if (text == null) {
      return null;
    }
    int masked = Math.max(0, text.length() - keep);
    return String.valueOf(maskChar).repeat(masked) + text.substring(masked);
  }

  String hash(String secret, String text) {
    Mac mac = macs.get().computeIfAbsent(secret, MaskProcessor::newMac);
    return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static Mac newMac(String secret) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public String kind() {
    return "mask";
  }
}
