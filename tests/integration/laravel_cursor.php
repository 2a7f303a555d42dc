<?php
// Real Laravel (Debian's php-laravel-framework, 8.83): CursorPaginator::toArray() and the
// URL it builds for a given cursor string, for tests/unit/test_laravel_cursor_shape.py.
// Usage: php laravel_cursor.php PATH PER_PAGE ITEMS CURSOR QUERY_JSON
//   ITEMS: how many rows the query returned (per_page + 1 means another page exists)
// Prints {"array": toArray(), "url": url(cursor)} as JSON.

require '/usr/share/php/Illuminate/autoload.php';

use Illuminate\Pagination\Cursor;
use Illuminate\Pagination\CursorPaginator;

// A cursor whose encoded form is the given string: the library's own opaque cursor.
final class GivenCursor extends Cursor
{
    public function __construct(private string $given)
    {
        parent::__construct([]);
    }

    public function encode()
    {
        return $this->given;
    }
}

[$script, $path, $perPage, $count, $given, $query] = $argv;
$rows = [];
for ($id = 1; $id <= (int) $count; $id++) {
    $rows[] = ['id' => $id];
}
$paginator = new CursorPaginator($rows, (int) $perPage, null, [
    'path' => $path,
    'parameters' => ['id'],
]);
$paginator->appends(json_decode($query, true));
echo json_encode(['array' => $paginator->toArray(), 'url' => $paginator->url(new GivenCursor($given))]);
