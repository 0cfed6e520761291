package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The API reference at {@code /docs} on the dev edge, in a real browser (Debian's headless
 * Chromium driven through its chromedriver): every service's operations are listed, and "try it
 * out" on GET /products goes through the edge and answers 200. The last page is kept as
 * {@code target/api-docs.png} for people to look at.
 */
@ExtendWith(StackFixture.class)
class ApiDocsPageSystemTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path profile;
    static WebDriver browser;
    static URI page;

    @BeforeAll
    static void openBrowser(Stack stack) {
        assertThat(CHROMIUM).as("install Debian's chromium and chromium-driver (.ci/run does)").isExecutable();
        assertThat(CHROMEDRIVER).as("install Debian's chromium-driver (.ci/run does)").isExecutable();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                "--window-size=1280,1600");
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
        // as people type it: /docs redirects to /docs/, where the page's relative links work
        page = stack.edgeUri().resolve("/docs");
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void listsEveryOperationOfEveryService(Stack stack) throws Exception {
        for (KedaiService service : KedaiService.values()) {
            Set<String> documented = operations(stack, service.id());
            browser.get(page + "?urls.primaryName=" + service.id());
            new WebDriverWait(browser, WAIT).withMessage(service.id()).until(b -> listed(b).equals(documented));
        }
    }

    @Test
    void tryItOutGoesThroughTheEdge(Stack stack) throws IOException {
        browser.get(page + "?urls.primaryName=product");
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        WebElement listProducts = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector(".opblock-get .opblock-summary-path[data-path='/products']")));
        WebElement operation = listProducts.findElement(By.xpath("ancestor::div[contains(@class,'opblock ')]"));
        listProducts.click();
        // the block opens asynchronously: look its buttons up inside the wait, not before it
        wait.until(ExpectedConditions.elementToBeClickable(wait.until(
                ExpectedConditions.presenceOfNestedElementLocatedBy(operation, By.cssSelector(".try-out__btn"))))).click();
        wait.until(ExpectedConditions.elementToBeClickable(wait.until(
                ExpectedConditions.presenceOfNestedElementLocatedBy(operation, By.cssSelector(".execute"))))).click();
        // the header row of the table has a status column too ("Code"): the answer is the row .response
        WebElement status = wait.until(ExpectedConditions.presenceOfNestedElementLocatedBy(operation,
                By.cssSelector(".live-responses-table .response .response-col_status")));
        ((ChromeDriver) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", status);
        Files.write(Path.of("target", "api-docs.png"),
                ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
        assertThat(status.getText().trim()).isEqualTo("200");
        assertThat(operation.findElement(By.cssSelector(".request-url")).getText())
                .contains(stack.edgeUri().resolve("/products?").toString());
    }

    /** "GET /products/{product_id}" for every operation the page shows. */
    private static Set<String> listed(WebDriver browser) {
        Set<String> listed = new TreeSet<>();
        for (WebElement summary : browser.findElements(By.cssSelector(".opblock-summary"))) {
            String method = summary.findElement(By.cssSelector(".opblock-summary-method")).getText();
            String path = summary.findElement(By.cssSelector(".opblock-summary-path")).getAttribute("data-path");
            listed.add(method.toUpperCase(Locale.ROOT) + " " + path);
        }
        return listed;
    }

    /** The same from the document the page loads (through the edge). */
    private static Set<String> operations(Stack stack, String service) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                stack.edgeUri().resolve("/docs/openapi/" + service)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode paths = new ObjectMapper().readTree(answer.body()).path("paths");
        Set<String> operations = new TreeSet<>();
        List<String> methods = new ArrayList<>(List.of("get", "put", "post", "delete", "patch", "head", "options"));
        for (Map.Entry<String, JsonNode> path : paths.properties()) {
            for (String method : methods) {
                if (path.getValue().has(method)) {
                    operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        assertThat(operations).isNotEmpty();
        return operations;
    }
}
