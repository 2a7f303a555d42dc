<?php
// Real Laravel (Debian's php-laravel-framework, 8.83) issuing and checking password-reset
// tokens on the library's table, for tests/integration/test_laravel_password_reset.py.
// Usage: php laravel_reset.php CONFIG_JSON create EMAIL         -> prints the new token
//        php laravel_reset.php CONFIG_JSON exists EMAIL TOKEN   -> prints 1 or 0
// CONFIG_JSON: {"connection": {...Laravel database connection...}, "table": "...", "expires": 60}

require '/usr/share/php/Illuminate/autoload.php';

use Illuminate\Auth\Passwords\DatabaseTokenRepository;
use Illuminate\Contracts\Auth\CanResetPassword;
use Illuminate\Database\Capsule\Manager as Capsule;
use Illuminate\Hashing\BcryptHasher;

date_default_timezone_set('UTC');  // Laravel's default app timezone, as the library stores

final class ResetUser implements CanResetPassword
{
    public function __construct(private string $email)
    {
    }

    public function getEmailForPasswordReset()
    {
        return $this->email;
    }

    public function sendPasswordResetNotification($token)
    {
    }
}

[$script, $configJson, $action, $email] = array_slice($argv, 0, 4);
$config = json_decode($configJson, true, 512, JSON_THROW_ON_ERROR);
$capsule = new Capsule();
$capsule->addConnection($config['connection']);
$tokens = new DatabaseTokenRepository(
    $capsule->getConnection(),
    new BcryptHasher(['rounds' => 4]),
    $config['table'],
    'test-app-key',
    $config['expires'],
);
$user = new ResetUser($email);
if ($action === 'create') {
    echo $tokens->create($user);
} elseif ($action === 'exists') {
    echo $tokens->exists($user, $argv[4]) ? '1' : '0';
} else {
    fwrite(STDERR, "unknown action $action\n");
    exit(2);
}
