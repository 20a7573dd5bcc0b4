package io.millrace.connect;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The last {@code capacity} item ids a source wrote, oldest first, for de-duplication: an item
 * whose id is here is not written again. Not thread-safe (owned by one source runner).
 */
final class RecentIds {

  private final int capacity;
  private final LinkedHashSet<String> ids = new LinkedHashSet<>();

  RecentIds(int capacity, List<String> initial) {
    this.capacity = capacity;
    initial.forEach(this::add);
  }

  boolean contains(String id) {
    return ids.contains(id);
  }

  void add(String id) {
    if (capacity == 0 || id == null) {
      return;
    }
    ids.remove(id);
    ids.add(id);
    if (ids.size() > capacity) {
      Iterator<String> oldest = ids.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  List<String> toList() {
    return new ArrayList<>(ids);
  }
}
