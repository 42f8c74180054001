<?php
// One PDO connection per request, settings from config/database.php.
function simpatda_db() {
    $c = require __DIR__ . '/../config/database.php';
    $dsn = sprintf('%s:host=%s;port=%d;dbname=%s;charset=%s',
                   $c['driver'], $c['host'], $c['port'], $c['database'], $c['charset']);
    return new PDO($dsn, $c['username'], $c['password'], [
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::ATTR_TIMEOUT => 3,
    ]);
}

function simpatda_reply($code, $payload) {
    http_response_code($code);
    header('Content-Type: application/json');
    echo json_encode($payload), "\n";
    exit;
}
